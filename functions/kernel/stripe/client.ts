import Stripe from 'stripe';
import type { RuntimeConfig } from '../config';
import { AppError } from '../errors';
import { getSecretString } from '../secrets/secrets-manager';

export type StripeConfig = Pick<RuntimeConfig, 'region' | 'stripeSecretKey' | 'stripeSecretArn' | 'stripeApiUrl'>;

/**
 * The one Stripe client of the product: the real SDK, pointed at api.stripe.com or, locally and in
 * tests, at the Stripe sandbox (`STRIPE_API_URL` → host, port, protocol). The secret key is given
 * directly (local, tests) or read once per cold start from Secrets Manager (the deployed stack).
 */
export function stripeClientProvider(config: StripeConfig): () => Promise<Stripe> {
  let client: Promise<Stripe> | undefined;
  return () => {
    client ??= secretKey(config).then((key) => new Stripe(key, stripeOptions(config)));
    // A failed secret read must not poison the cold start: the next call tries again.
    client.catch(() => {
      client = undefined;
    });
    return client;
  };
}

/**
 * The outbound budget. A route makes at most `STRIPE_CALLS_PER_REQUEST` Stripe calls one after the other
 * (a first SetupIntent creates the customer, then the intent), and each call may take every attempt up to
 * its timeout plus the SDK's backoff between attempts: all of it must end inside the function's timeout
 * (API_FUNCTION_TIMEOUT_SECONDS), or Lambda stops the request before it completes or releases its
 * Idempotency-Key record and the client's retry meets `idempotency_in_progress` for a minute. Stripe
 * answers well under a second normally, so 2 s per attempt only cuts off calls that are hanging.
 */
export const STRIPE_TIMEOUT_MS = 2_000;
export const STRIPE_MAX_NETWORK_RETRIES = 1;
export const STRIPE_CALLS_PER_REQUEST = 2;

/** The SDK's backoff (stripe-node RequestSender): 0.5 s doubling per retry, at most 5 s. */
const sdkBackoffMs = (retry: number) => Math.min(500 * 2 ** (retry - 1), 5_000);

/** The longest one call can take with these options: every attempt timing out, the longest backoffs. */
export function stripeCallWorstCaseMs(options: Pick<Stripe.StripeConfig, 'timeout' | 'maxNetworkRetries'>): number {
  const retries = options.maxNetworkRetries ?? 0;
  let total = (retries + 1) * (options.timeout ?? 80_000);
  for (let retry = 1; retry <= retries; retry++) total += sdkBackoffMs(retry);
  return total;
}

export function stripeOptions(config: Pick<RuntimeConfig, 'stripeApiUrl'>): Stripe.StripeConfig {
  const base: Stripe.StripeConfig = {
    // Connection errors, 409 (lock timeouts) and 5xx are retried by the SDK with the same
    // Idempotency-Key, with exponential backoff and jitter.
    maxNetworkRetries: STRIPE_MAX_NETWORK_RETRIES,
    timeout: STRIPE_TIMEOUT_MS,
    appInfo: { name: 'ai-billing-layer' },
    telemetry: false,
  };
  if (!config.stripeApiUrl) return base;
  const url = new URL(config.stripeApiUrl);
  const protocol = url.protocol.replace(':', '') as 'http' | 'https';
  return {
    ...base,
    host: url.hostname,
    port: url.port || (protocol === 'http' ? 80 : 443),
    protocol,
  };
}

async function secretKey(config: StripeConfig): Promise<string> {
  if (config.stripeSecretKey) return config.stripeSecretKey;
  if (config.stripeSecretArn) return getSecretString(config.region, config.stripeSecretArn);
  throw new AppError('internal', 'payment_gateway_not_configured', 'set STRIPE_SECRET_KEY or STRIPE_SECRET_ARN');
}
