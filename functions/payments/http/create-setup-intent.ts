import { deps } from '../../kernel/compose';
import { created, httpHandler } from '../../kernel/http/http-handler';
import { createSetupIntent, requestKeyOf } from '../app/payment-methods';

export const handler = httpHandler('createSetupIntent', async ({ params, ctx, headers }) => {
  const intent = await createSetupIntent(deps(), requestKeyOf(ctx, headers['idempotency-key']), params.org);
  return created({ id: intent.id, client_secret: intent.clientSecret, customer_id: intent.customerId });
});
