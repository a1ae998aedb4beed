import { httpHandler, ok } from '../../kernel/http/http-handler';
import { listPaymentMethods } from '../app/payment-methods';
import { deps } from '../compose';
import { PAYMENTS_CONTRACT } from '../contract';
import { encodePaymentMethod } from './encode';

// Several cards per org at most: the whole list in one answer, oldest first.
export const handler = httpHandler(PAYMENTS_CONTRACT, 'listPaymentMethods', async ({ params }) =>
  ok({ data: (await listPaymentMethods(deps(), params.org)).map(encodePaymentMethod) }),
);
