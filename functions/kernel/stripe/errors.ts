import Stripe from 'stripe';
import { AppError } from '../errors';

/**
 * Stripe's error types → our kinds, in one place:
 * - card errors (a decline) are the customer's business: 422 with Stripe's decline code;
 * - rate limits, connection and API errors are Stripe being unavailable: 503, retryable (the SDK has
 *   already retried them `maxNetworkRetries` times with the same idempotency key);
 * - an idempotency error means the same key came with other parameters: a bug on our side;
 * - invalid requests, authentication and permission errors are bugs or misconfiguration: 500.
 */
export function toAppErrorFromStripe(error: unknown, operation: string): AppError {
  if (error instanceof AppError) return error;
  if (!(error instanceof Stripe.errors.StripeError)) {
    return new AppError('internal', 'payment_gateway_error', `${operation} failed`, { cause: error });
  }
  if (error instanceof Stripe.errors.StripeCardError) {
    const code = error.decline_code ?? error.code ?? 'card_declined';
    return new AppError('business_rule', 'card_declined', error.message, {
      details: { decline_code: code, ...(error.code ? { stripe_code: error.code } : {}) },
      cause: error,
    });
  }
  if (
    error instanceof Stripe.errors.StripeRateLimitError ||
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeAPIError
  ) {
    return new AppError(
      'dependency_unavailable',
      'payment_gateway_unavailable',
      'the payment provider is unavailable; retry later',
      {
        cause: error,
      },
    );
  }
  return new AppError('internal', 'payment_gateway_error', `${operation} failed`, { cause: error });
}

/** Stripe answers 404 `resource_missing` for an id it does not know. */
export const isResourceMissing = (error: unknown): boolean =>
  error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing';
