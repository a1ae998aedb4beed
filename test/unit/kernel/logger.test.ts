import Stripe from 'stripe';
import { createLogger, luhnValid, REDACTED, redactString } from '../../../functions/kernel/logger';

/** Every line a logger writes, while `run` runs. */
function captureLines(run: () => void): string[] {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  };
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(capture),
    jest.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  try {
    run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return lines.join('').split('\n').filter(Boolean);
}

describe('the logger', () => {
  const log = createLogger({ logLevel: 'DEBUG', serviceName: 'test' });

  it("masks a Stripe error's raw response and headers and the client secrets it carries", () => {
    const error = new Stripe.errors.StripeInvalidRequestError({
      message: 'No such payment_method: pm_123; the intent pi_3Abc_secret_XyZ987 is unusable',
      type: 'invalid_request_error',
      code: 'resource_missing',
      requestId: 'req_abc',
      statusCode: 400,
      headers: { 'request-id': 'req_abc', authorization: 'Bearer sk_test_4eC39HqLyjWDarjtT1zdp7dc' },
      payment_intent: { id: 'pi_3Abc', client_secret: 'pi_3Abc_secret_XyZ987' },
      raw: { payment_intent: { client_secret: 'pi_3Abc_secret_XyZ987' } },
    } as never);
    const [line] = captureLines(() => log.error('stripe call failed', { error }));
    expect(line).toBeDefined();
    expect(line).not.toContain('_secret_');
    expect(line).not.toContain('sk_test_');
    const parsed = JSON.parse(line!);
    expect(parsed.error).toMatchObject({
      name: 'Error',
      code: 'resource_missing',
      requestId: 'req_abc',
      statusCode: 400,
      raw: REDACTED,
      headers: REDACTED,
      payment_intent: { id: 'pi_3Abc' },
    });
    expect(parsed.error.message).toContain(REDACTED);
  });

  it('masks tokens, keys and card numbers wherever they appear, and keeps ordinary values', () => {
    const [line] = captureLines(() =>
      log.info('request', {
        authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl',
        note: 'card 4242 4242 4242 4242 charged with key sk_live_51HabcDEFghiJKL and whsec_abcdefgh1234',
        nested: { 'Stripe-Signature': 't=1,v1=abc', token: 'tok_visa', count: 3 },
        invoice: 'in_01JABCDEF',
        amountMinor: 4242424242424242,
        durationMs: 1764000000123,
      }),
    );
    const parsed = JSON.parse(line!);
    expect(parsed.authorization).toBe(REDACTED);
    expect(parsed.note).toBe(`card ${REDACTED} charged with key ${REDACTED} and ${REDACTED}`);
    expect(parsed.nested).toEqual({ 'Stripe-Signature': REDACTED, token: REDACTED, count: 3 });
    expect(parsed).toMatchObject({ invoice: 'in_01JABCDEF', amountMinor: 4242424242424242, durationMs: 1764000000123 });
  });

  it('masks only digit runs that pass the Luhn check', () => {
    expect(luhnValid('4242424242424242')).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
    expect(redactString('order 1764000000123 and 4000 0566 5566 5556')).toBe(`order 1764000000123 and ${REDACTED}`);
  });
});
