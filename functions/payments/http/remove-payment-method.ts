import { httpHandler, noContent } from '../../kernel/http/http-handler';
import { removePaymentMethod } from '../app/payment-methods';
import { deps } from '../compose-stripe';
import { PAYMENTS_CONTRACT } from '../contract';

export const handler = httpHandler(PAYMENTS_CONTRACT, 'removePaymentMethod', async ({ params }) => {
  await removePaymentMethod(deps(), params.org, params.id);
  return noContent();
});
