import {
  STRIPE_CALLS_PER_REQUEST,
  stripeCallWorstCaseMs,
  stripeOptions,
} from '../../../functions/kernel/stripe/client';
import { API_FUNCTION_TIMEOUT_SECONDS, ROUTES } from '../../../functions/routes';

describe('the Stripe client budget', () => {
  it("fits every attempt, timeout and backoff of a route's Stripe calls inside the route's Lambda timeout", () => {
    const perCall = stripeCallWorstCaseMs(stripeOptions({}));
    // What is left is for the route's DynamoDB work, including completing or releasing its Idempotency-Key.
    const marginMs = 1_000;
    expect(STRIPE_CALLS_PER_REQUEST * perCall + marginMs).toBeLessThanOrEqual(API_FUNCTION_TIMEOUT_SECONDS * 1000);
    // The same options locally (pointed at the sandbox) and on AWS.
    expect(stripeCallWorstCaseMs(stripeOptions({ stripeApiUrl: 'http://127.0.0.1:12111' }))).toBe(perCall);
    expect(ROUTES.some((r) => r.needs?.includes('stripe_secret'))).toBe(true);
  });

  it('counts each retry with its timeout and the backoff before it', () => {
    expect(stripeCallWorstCaseMs({ timeout: 10_000, maxNetworkRetries: 2 })).toBe(3 * 10_000 + 500 + 1_000);
    expect(stripeCallWorstCaseMs({ timeout: 2_000, maxNetworkRetries: 0 })).toBe(2_000);
  });
});
