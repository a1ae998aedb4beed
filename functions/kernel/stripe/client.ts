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

export function stripeOptions(config: Pick<RuntimeConfig, 'stripeApiUrl'>): Stripe.StripeConfig {
  const base: Stripe.StripeConfig = {
    // Connection errors, 409 (lock timeouts) and 5xx are retried by the SDK with the same
    // Idempotency-Key, with exponential backoff and jitter.
    maxNetworkRetries: 2,
    timeout: 10_000,
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
