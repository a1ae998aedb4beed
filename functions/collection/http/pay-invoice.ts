import { httpHandler, ok } from '../../kernel/http/http-handler';
import { payInvoice } from '../app/pay-invoice';
import { deps } from '../compose-stripe';
import { COLLECTION_CONTRACT } from '../contract';
import { encodePayment } from './encode';

/** Pay now: the charge's Stripe key is the client's Idempotency-Key (or the request id). */
export const handler = httpHandler(COLLECTION_CONTRACT, 'payInvoice', async ({ params, body, ctx, headers }) => {
  const clientKey = headers['idempotency-key'];
  const result = await payInvoice(deps(), ctx, {
    orgId: params.org,
    invoiceId: params.id,
    requestKey: clientKey ? `client:${clientKey}` : `request:${ctx.requestId ?? 'none'}`,
    ...(body?.payment_method_id ? { paymentMethodId: body.payment_method_id } : {}),
  });
  return ok(encodePayment(result));
});
