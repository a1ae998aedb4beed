import { conflict, notFound } from '../../kernel/errors';
import type { CallContext } from '../../kernel/ports';
import { type ChargeResult, chargeInvoice } from './charge-invoice';
import type { CollectionDeps } from './collection-common';

/**
 * Pay now (`POST …/invoices/{id}/pay`): charges an open or written-off invoice at once, with the named
 * payment method of the org or its default. How an admin ends dunning after replacing a card. Another
 * org's invoice or payment method is simply not found; a paid invoice is 409 `invoice_already_paid`.
 * `requestKey` (the client's Idempotency-Key, else the request id) makes the charge's Stripe key, so a
 * client retry is the same charge.
 */
export async function payInvoice(
  deps: CollectionDeps,
  ctx: CallContext,
  input: { orgId: string; invoiceId: string; paymentMethodId?: string; requestKey: string },
): Promise<ChargeResult> {
  const loaded = await deps.ledger.get(input.orgId, input.invoiceId);
  if (!loaded) throw notFound('invoice_not_found', `there is no invoice ${input.invoiceId}`);
  const { invoice } = loaded;
  if (invoice.status === 'paid') throw conflict('invoice_already_paid', `invoice ${invoice.number} is already paid`);
  if (invoice.status === 'void') throw conflict('invoice_void', `invoice ${invoice.number} is void: nothing is owed`);
  if (invoice.status === 'draft') {
    throw conflict('invoice_not_finalized', 'the invoice is a draft until its period closes: nothing to pay yet');
  }
  if (invoice.amountDueMinor <= 0) throw conflict('nothing_to_pay', `invoice ${invoice.number} has nothing to pay`);
  if (input.paymentMethodId) {
    const methods = await deps.orgPaymentMethods.list(input.orgId);
    if (!methods.some((m) => m.id === input.paymentMethodId)) {
      throw notFound('payment_method_not_found', `payment method ${input.paymentMethodId} does not exist`);
    }
  }
  return chargeInvoice(
    deps,
    ctx,
    { orgId: input.orgId, invoiceId: input.invoiceId },
    `now:${input.requestKey}`,
    input.paymentMethodId ? { paymentMethodId: input.paymentMethodId } : {},
  );
}
