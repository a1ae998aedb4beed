import { httpHandler, ok } from '../../kernel/http/http-handler';
import { requestKeyOf, setDefaultPaymentMethod } from '../app/payment-methods';
import { deps } from '../compose-stripe';
import { PAYMENTS_CONTRACT } from '../contract';
import { encodePaymentMethod } from './encode';

export const handler = httpHandler(PAYMENTS_CONTRACT, 'setDefaultPaymentMethod', async ({ params, ctx, headers }) => {
  const method = await setDefaultPaymentMethod(
    deps(),
    requestKeyOf(ctx, headers['idempotency-key']),
    params.org,
    params.id,
  );
  return ok(encodePaymentMethod(method));
});
