import { created, httpHandler } from '../../kernel/http/http-handler';
import { createSetupIntent, replaySetupIntent, requestKeyOf } from '../app/payment-methods';
import { deps } from '../compose-stripe';
import { PAYMENTS_CONTRACT } from '../contract';

const encodeIntent = (intent: { id: string; clientSecret: string; customerId: string }) => ({
  id: intent.id,
  client_secret: intent.clientSecret,
  customer_id: intent.customerId,
});

/**
 * The client secret is a bearer credential for the SetupIntent: the Idempotency-Key record keeps only
 * the intent's id, and a replay reads the secret from Stripe again.
 */
export const handler = httpHandler(
  PAYMENTS_CONTRACT,
  'createSetupIntent',
  async ({ params, ctx, headers }) => {
    const intent = await createSetupIntent(deps(), requestKeyOf(ctx, headers['idempotency-key']), params.org);
    return created(encodeIntent(intent), { stored: { setup_intent_id: intent.id } });
  },
  {
    replay: async (stored, { params }) =>
      created(
        encodeIntent(
          await replaySetupIntent(deps(), params.org, (stored as { setup_intent_id: string }).setup_intent_id),
        ),
      ),
  },
);
