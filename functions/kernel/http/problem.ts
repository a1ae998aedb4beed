import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ZodError } from 'zod';
import { AppError, type ErrorKind } from '../errors';

/**
 * The one place error kinds become HTTP. Body: `{ "error": { "code", "message", "details"? } }` as
 * application/problem+json. 5xx answers never echo an internal message.
 */
export const STATUS_BY_KIND: Record<ErrorKind, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  business_rule: 422,
  rate_limited: 429,
  dependency_unavailable: 503,
  internal: 500,
};

/** Codes whose kind is `validation` but whose HTTP meaning is "understood, but unprocessable". */
const UNPROCESSABLE_CODES = new Set(['idempotency_key_reused']);
const CODE_STATUS_OVERRIDES: Record<string, number> = { unsupported_media_type: 415 };

export function statusFor(error: AppError): number {
  if (CODE_STATUS_OVERRIDES[error.code]) return CODE_STATUS_OVERRIDES[error.code]!;
  if (UNPROCESSABLE_CODES.has(error.code)) return 422;
  return STATUS_BY_KIND[error.kind];
}

export interface ProblemResponse extends APIGatewayProxyStructuredResultV2 {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export function problemResponse(status: number, code: string, message: string, details?: unknown): ProblemResponse {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify({ error: { code, message, ...(details === undefined ? {} : { details }) } }),
  };
}

/** Turns anything thrown into an AppError: zod and body-parser errors become 400/415, the rest 500. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof ZodError) {
    return new AppError('validation', 'invalid_request', 'the request is invalid', {
      details: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message, code: i.code })),
    });
  }
  const middy = error as { statusCode?: number; message?: string; cause?: { package?: string; message?: string } };
  if (middy?.cause?.package === '@middy/http-json-body-parser') {
    if (middy.message === 'Unsupported Media Type') {
      return new AppError('validation', 'unsupported_media_type', 'send the body as application/json');
    }
    return new AppError('validation', 'malformed_json', 'the request body is not valid JSON', {
      details: middy.cause.message ? { parser: middy.cause.message } : undefined,
    });
  }
  return new AppError('internal', 'internal_error', 'an unexpected error occurred', { cause: error });
}

export function errorResponse(error: AppError): ProblemResponse {
  const status = statusFor(error);
  const message = status >= 500 && error.kind === 'internal' ? 'an unexpected error occurred' : error.message;
  const response = problemResponse(status, error.code, message, status >= 500 ? undefined : error.details);
  const retryAfter = (error.details as { retry_after_seconds?: unknown } | undefined)?.retry_after_seconds;
  if (error.kind === 'rate_limited' && typeof retryAfter === 'number') {
    response.headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfter)));
  }
  return response;
}
