import { systemClock } from '../../kernel/clock';
import { httpHandler, ok } from '../../kernel/http/http-handler';
import { logger } from '../../kernel/logger';
import { verifyStripeWebhook, webhookSecrets } from '../adapters/webhook-verifier';
import { acceptStripeEvent } from '../app/stripe-events';
import { deps } from '../compose-stripe';
import { PAYMENTS_CONTRACT } from '../contract';

/**
 * Stripe → us. The signature is checked on the RAW body: this route has no contract body, so nothing
 * parses it first; API Gateway may deliver it base64-encoded, which is decoded back to the exact bytes.
 * 2xx only once the event is durably queued; a failure to queue answers 5xx so Stripe retries.
 */
export const handler = httpHandler(PAYMENTS_CONTRACT, 'receiveStripeWebhook', async ({ event, headers }) => {
  const raw = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  const d = deps();
  const verified = verifyStripeWebhook(
    raw,
    headers['stripe-signature'],
    await webhookSecrets(d.config),
    // Real time, not the product clock: Stripe signs with its own clock, and a product clock started
    // elsewhere or running fast (npm start --clock-start/--speed) would make every signature look stale.
    systemClock.now().getTime(),
  );
  const outcome = await acceptStripeEvent(d, verified.event, verified.json);
  if (outcome === 'ignored')
    logger.info('stripe event ignored', { eventId: verified.event.id, type: verified.event.type });
  return ok({ received: true, outcome });
});
