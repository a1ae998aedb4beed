import { Logger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';

/**
 * One structured JSON logger for every Lambda (Powertools): service name, cold start and the request
 * id are added per invocation. Every log line passes through `redact`, so a secret that reaches a log
 * call by accident (a Stripe error carries the raw response, its headers and whole PaymentIntents with
 * their `client_secret`) is masked before it is written.
 */
export const REDACTED = '[REDACTED]';

/** Keys whose value is never logged, whatever it holds (compared lower-cased, without `-` and `_`). */
const SECRET_KEYS = new Set(
  [
    'authorization',
    'cookie',
    'set-cookie',
    'password',
    'secret',
    'client_secret',
    'secret_key',
    'api_key',
    'apikey',
    'token',
    'access_token',
    'refresh_token',
    'id_token',
    'stripe-signature',
    'idempotency-key',
    'webhook_secret',
    'stripe_secret_key',
    'cvc',
    // A Stripe error's raw response and its HTTP headers: logged whole they leak request ids of other
    // calls, PaymentIntents with client secrets and the API key's permissions.
    'raw',
    'headers',
  ].map((k) => k.replace(/[-_]/g, '')),
);

/** Keys that name a Stripe object: the object is logged as its id only (it may carry a client secret). */
const OBJECT_KEYS = new Set(['payment_intent', 'setup_intent', 'source', 'payment_method', 'charge', 'customer']);

/**
 * Secret-shaped substrings in any string: Stripe keys and webhook secrets, client secrets of
 * PaymentIntents and SetupIntents, bearer tokens and JWTs, and card-number-shaped digit runs.
 */
const SECRET_PATTERNS: readonly RegExp[] = [
  /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{8,}\b/g,
  /\bwhsec_[A-Za-z0-9+/=]{8,}/g,
  /\b[a-z]{2,6}_[A-Za-z0-9]+_secret_[A-Za-z0-9]+\b/g,
  /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi,
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
];

/** 13–19 digits, optionally grouped by spaces or dashes: masked when they pass the Luhn check. */
const CARD_NUMBER_SHAPE = /\b(?:\d[ -]?){12,18}\d\b/g;

/** True for a digit string that passes the Luhn checksum (every card number does). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function redactString(value: string): string {
  let out = value;
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, REDACTED);
  return out.replace(CARD_NUMBER_SHAPE, (run) => (luhnValid(run.replace(/[ -]/g, '')) ? REDACTED : run));
}

/** The JSON replacer every log line is serialized with (Powertools calls it for each key/value). */
export function redact(key: string, value: unknown): unknown {
  if (key !== '' && SECRET_KEYS.has(key.toLowerCase().replace(/[-_]/g, '')) && value != null) return REDACTED;
  if (OBJECT_KEYS.has(key) && value && typeof value === 'object' && !(value instanceof Error)) {
    const id = (value as { id?: unknown }).id;
    return typeof id === 'string' ? { id } : REDACTED;
  }
  if (typeof value === 'string') return redactString(value);
  return value;
}

export function createLogger(options: ConstructorOptions = {}): Logger {
  return new Logger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'billing',
    ...options,
    jsonReplacerFn: redact,
  });
}

export const logger = createLogger();
