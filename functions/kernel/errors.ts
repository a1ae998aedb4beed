/**
 * The one failure taxonomy. Every expected failure is an AppError with a kind (which decides the HTTP
 * status, in exactly one place: handlers/http/problem.ts, and whether a queue record is retried) and a
 * stable snake_case code that clients can switch on. Messages are for humans and may change.
 */
export const ERROR_KINDS = [
  'validation',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'business_rule',
  'rate_limited',
  'dependency_unavailable',
  'internal',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export interface AppErrorOptions {
  details?: unknown;
  cause?: unknown;
}

export class AppError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly details?: unknown;

  constructor(kind: ErrorKind, code: string, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.kind = kind;
    this.code = code;
    if (options.details !== undefined) this.details = options.details;
  }

  /** Retrying later may succeed (queue consumers fail the record instead of quarantining it). */
  get retryable(): boolean {
    return this.kind === 'dependency_unavailable' || this.kind === 'internal' || this.kind === 'rate_limited';
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/** Shorthands for the common kinds, so call sites read as sentences. */
export const validation = (code: string, message: string, details?: unknown) =>
  new AppError('validation', code, message, { details });
export const notFound = (code: string, message: string) => new AppError('not_found', code, message);
export const conflict = (code: string, message: string, details?: unknown) =>
  new AppError('conflict', code, message, { details });
export const businessRule = (code: string, message: string, details?: unknown) =>
  new AppError('business_rule', code, message, { details });
export const forbidden = (code: string, message: string) => new AppError('forbidden', code, message);
/** Too many requests in the caller's budget: 429 with `Retry-After: retryAfterSeconds`. */
export const rateLimited = (code: string, message: string, retryAfterSeconds: number) =>
  new AppError('rate_limited', code, message, { details: { retry_after_seconds: retryAfterSeconds } });
export const dependencyUnavailable = (code: string, message: string, cause?: unknown) =>
  new AppError('dependency_unavailable', code, message, { cause });
