import * as z from 'zod';
import { AppError, ERROR_KINDS } from '../../../functions/kernel/errors';
import { canonicalJson } from '../../../functions/kernel/http/http-handler';
import { errorResponse, STATUS_BY_KIND, toAppError } from '../../../functions/kernel/http/problem';

describe('the error mapper', () => {
  it('maps every kind to exactly one status', () => {
    for (const kind of ERROR_KINDS) expect(STATUS_BY_KIND[kind]).toBeGreaterThanOrEqual(400);
  });

  it('answers problem JSON with the stable code and details for client errors', () => {
    const res = errorResponse(
      new AppError('business_rule', 'metered_price_missing', 'no metered price', { details: { currency: 'GBP' } }),
    );
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(res.body)).toEqual({
      error: { code: 'metered_price_missing', message: 'no metered price', details: { currency: 'GBP' } },
    });
  });

  it('never echoes an internal message in a 5xx', () => {
    const res = errorResponse(toAppError(new Error('connection string postgres://secret@db')));
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('secret');
    expect(JSON.parse(res.body).error.code).toBe('internal_error');
  });

  it('turns zod errors into 400 invalid_request with field paths', () => {
    const result = z.object({ a: z.object({ b: z.number() }) }).safeParse({ a: { b: 'x' } });
    const error = toAppError(result.error);
    expect(error.kind).toBe('validation');
    expect(error.details).toEqual([expect.objectContaining({ path: 'a.b' })]);
  });

  it('maps a reused idempotency key to 422', () => {
    expect(errorResponse(new AppError('validation', 'idempotency_key_reused', 'x')).statusCode).toBe(422);
  });
});

describe('canonicalJson', () => {
  it('hashes bodies with keys in any order the same', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 2 }] } })).toBe(
      canonicalJson({ a: { c: [3, { e: 2, f: 1 }], d: 2 }, b: 1 }),
    );
  });
});
