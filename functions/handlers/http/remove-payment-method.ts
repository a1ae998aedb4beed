import { removePaymentMethod } from '../../app/payment-methods';
import { deps } from '../../composition';
import { httpHandler, noContent } from './http-handler';

export const handler = httpHandler('removePaymentMethod', async ({ params }) => {
  await removePaymentMethod(deps(), params.org, params.id);
  return noContent();
});
