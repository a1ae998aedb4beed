import type { StripeErrorType } from './errors';

/** A path prefix, or a regular expression tested against the whole path (no query string). */
export type PathMatch = string | RegExp;

function pathMatches(match: PathMatch, path: string): boolean {
  if (typeof match === 'string') return path.startsWith(match);
  // A /g or /y RegExp remembers lastIndex between test() calls: reset it so every call starts afresh.
  match.lastIndex = 0;
  return match.test(path);
}

/** Make the next matching API calls fail, as Stripe does when it is unavailable or refuses. */
export interface FailRule {
  /** HTTP method to match (any if absent). */
  method?: string;
  /** Path prefix to match (`/v1/payment_methods/`), or a RegExp (`/^\/v1\/customers\/[^/]+$/`). */
  path: PathMatch;
  status: number;
  /** Stripe error type; defaults from the status (429 rate_limit_error, 5xx api_error, 402 card_error). */
  type?: StripeErrorType;
  code?: string;
  message?: string;
  decline_code?: string;
  /** How many matching calls fail (default 1). */
  times?: number;
  /**
   * `Stripe-Should-Retry` header. Real Stripe sets it; the SDK obeys it before its own rules (it retries
   * 409 and 5xx otherwise). Absent: no header.
   */
  shouldRetry?: boolean;
}

/** Make the next matching API calls slow: `before` the work (a slow Stripe) or `after` it (a lost reply). */
export interface DelayRule {
  method?: string;
  path: PathMatch;
  ms: number;
  times?: number;
  phase?: 'before' | 'after';
}

interface Armed<T> {
  rule: T;
  remaining: number;
}

const defaultType = (status: number): StripeErrorType =>
  status === 429
    ? 'rate_limit_error'
    : status >= 500
      ? 'api_error'
      : status === 402
        ? 'card_error'
        : 'invalid_request_error';

export class Faults {
  private failures: Armed<FailRule>[] = [];
  private delays: Armed<DelayRule>[] = [];

  failNext(rule: FailRule): void {
    if (!rule.path || !Number.isInteger(rule.status)) throw new Error('failNext needs a path and a status');
    this.failures.push({ rule: { ...rule, type: rule.type ?? defaultType(rule.status) }, remaining: rule.times ?? 1 });
  }

  delayNext(rule: DelayRule): void {
    if (!rule.path || !(rule.ms >= 0)) throw new Error('delayNext needs a path and ms');
    this.delays.push({ rule, remaining: rule.times ?? 1 });
  }

  takeFailure(method: string, path: string): FailRule | undefined {
    return take(this.failures, method, path);
  }

  takeDelay(method: string, path: string): DelayRule | undefined {
    return take(this.delays, method, path);
  }

  clear(): void {
    this.failures = [];
    this.delays = [];
  }
}

function take<T extends { method?: string; path: PathMatch }>(armed: Armed<T>[], method: string, path: string) {
  const i = armed.findIndex(
    (a) =>
      a.remaining > 0 && pathMatches(a.rule.path, path) && (!a.rule.method || a.rule.method.toUpperCase() === method),
  );
  if (i < 0) return undefined;
  const entry = armed[i]!;
  entry.remaining -= 1;
  if (entry.remaining === 0) armed.splice(i, 1);
  return entry.rule;
}
