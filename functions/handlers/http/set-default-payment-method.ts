import { requestKeyOf, setDefaultPaymentMethod } from '../../app/payment-methods';
import { deps } from '../../composition';
import { encodePaymentMethod } from './encode-payments';
import { httpHandler, ok } from './http-handler';

export const handler = httpHandler('setDefaultPaymentMethod', async ({ params, ctx, headers }) => {
  const method = await setDefaultPaymentMethod(
    deps(),
    requestKeyOf(ctx, headers['idempotency-key']),
    params.org,
    params.id,
  );
  return ok(encodePaymentMethod(method));
});
