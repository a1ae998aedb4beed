import { deps } from '../../kernel/compose';
import { httpHandler, noContent } from '../../kernel/http/http-handler';
import { removePaymentMethod } from '../app/payment-methods';

export const handler = httpHandler('removePaymentMethod', async ({ params }) => {
  await removePaymentMethod(deps(), params.org, params.id);
  return noContent();
});
