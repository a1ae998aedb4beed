import { deps } from '../../kernel/compose';
import { httpHandler, ok } from '../../kernel/http/http-handler';
import { requestKeyOf, setDefaultPaymentMethod } from '../app/payment-methods';
import { encodePaymentMethod } from './encode';

export const handler = httpHandler('setDefaultPaymentMethod', async ({ params, ctx, headers }) => {
  const method = await setDefaultPaymentMethod(
    deps(),
    requestKeyOf(ctx, headers['idempotency-key']),
    params.org,
    params.id,
  );
  return ok(encodePaymentMethod(method));
});
