import { deps } from '../../kernel/compose';
import { httpHandler, ok } from '../../kernel/http/http-handler';
import { listPaymentMethods } from '../app/payment-methods';
import { encodePaymentMethod } from './encode';

// Several cards per org at most: the whole list in one answer, oldest first.
export const handler = httpHandler('listPaymentMethods', async ({ params }) =>
  ok({ data: (await listPaymentMethods(deps(), params.org)).map(encodePaymentMethod) }),
);
