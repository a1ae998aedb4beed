import Stripe from 'stripe';
import type { RuntimeConfig } from '../../kernel/config';
import { AppError, validation } from '../../kernel/errors';
import { getSecretString } from '../../kernel/secrets/secrets-manager';
import type { VerifiedStripeEvent } from '../app/stripe-events';

/** Stripe's own default: a signature older (or newer) than this is refused, against replays. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export interface VerifiedPayload {
  readonly event: VerifiedStripeEvent;
  /** The verified body as text, exactly as Stripe sent it. */
  readonly json: string;
}

/**
 * Verifies `Stripe-Signature` on the RAW body with the SDK (`webhooks.constructEvent`): never on a
 * parsed or re-serialized body. During a secret rotation several secrets are valid: each is tried and
 * the first that verifies wins. Failure → 400 with a code; nothing downstream runs.
 */
export function verifyStripeWebhook(
  rawBody: Buffer,
  signatureHeader: string | undefined,
  secrets: readonly string[],
  nowMs?: number,
): VerifiedPayload {
  if (!signatureHeader) throw validation('missing_signature', 'the Stripe-Signature header is missing');
  if (secrets.length === 0) {
    throw new AppError('internal', 'webhook_secret_not_configured', 'no webhook signing secret is configured');
  }
  let stale = false;
  for (const secret of secrets) {
    // First the signature alone (tolerance 0 skips the timestamp check), then the timestamp: a secret
    // whose signature matches but fails the second check is a stale (or replayed) delivery. Told apart by
    // which check failed, never by the wording of the SDK's error message.
    if (!verifies(rawBody, signatureHeader, secret, 0, nowMs)) continue;
    const event = verifies(rawBody, signatureHeader, secret, SIGNATURE_TOLERANCE_SECONDS, nowMs);
    if (!event) {
      stale = true;
      continue;
    }
    return { event: { id: event.id, type: event.type, created: event.created }, json: rawBody.toString('utf8') };
  }
  throw stale
    ? validation('signature_timestamp_out_of_tolerance', 'the webhook signature is too old')
    : validation('invalid_signature', 'the webhook signature does not verify');
}

/** The event when the header verifies with `secret` within `toleranceSeconds` (0: any age), else undefined. */
function verifies(
  rawBody: Buffer,
  signatureHeader: string,
  secret: string,
  toleranceSeconds: number,
  nowMs: number | undefined,
): Stripe.Event | undefined {
  try {
    return Stripe.webhooks.constructEvent(rawBody, signatureHeader, secret, toleranceSeconds, undefined, nowMs);
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) return undefined;
    throw validation('invalid_payload', 'the webhook body is not a Stripe event');
  }
}

/** Webhook secrets from config, or from Secrets Manager (comma-separated there too, for rotation). */
export async function webhookSecrets(
  config: Pick<RuntimeConfig, 'region' | 'stripeWebhookSecrets' | 'stripeWebhookSecretArn'>,
): Promise<readonly string[]> {
  if (config.stripeWebhookSecrets.length > 0) return config.stripeWebhookSecrets;
  if (!config.stripeWebhookSecretArn) return [];
  const value = await getSecretString(config.region, config.stripeWebhookSecretArn);
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
