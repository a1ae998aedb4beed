import { listPaymentMethods } from '../../app/payment-methods';
import { deps } from '../../composition';
import { encodePaymentMethod } from './encode-payments';
import { httpHandler, ok } from './http-handler';

// Several cards per org at most: the whole list in one answer, oldest first.
export const handler = httpHandler('listPaymentMethods', async ({ params }) =>
  ok({ data: (await listPaymentMethods(deps(), params.org)).map(encodePaymentMethod) }),
);
