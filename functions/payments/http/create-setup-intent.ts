import { created, httpHandler } from '../../kernel/http/http-handler';
import { createSetupIntent, requestKeyOf } from '../app/payment-methods';
import { deps } from '../compose-stripe';
import { PAYMENTS_CONTRACT } from '../contract';

export const handler = httpHandler(PAYMENTS_CONTRACT, 'createSetupIntent', async ({ params, ctx, headers }) => {
  const intent = await createSetupIntent(deps(), requestKeyOf(ctx, headers['idempotency-key']), params.org);
  return created({ id: intent.id, client_secret: intent.clientSecret, customer_id: intent.customerId });
});
