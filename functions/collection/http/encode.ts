import type { Invoice } from '../../invoicing/ports';
import type { ChargeResult } from '../app/charge-invoice';
import { collectedOf } from '../app/collection-common';
import type { DriftReport } from '../domain/drift';

/** Domain → wire (snake_case): the shapes are collection/contract.ts. */
const encodeInvoice = (i: Invoice) => {
  const collected = collectedOf(i);
  return {
    id: i.id,
    number: i.number,
    status: i.status,
    currency: i.currency,
    amount_due_minor: i.amountDueMinor,
    paid_at: collected.paidAt,
    stripe_invoice_id: collected.stripe?.invoiceId ?? null,
    hosted_invoice_url: collected.stripe?.hostedInvoiceUrl ?? null,
    payment_attempts: collected.attempts.map((a) => ({
      id: a.id,
      at: a.at,
      outcome: a.outcome,
      amount_minor: a.amountMinor,
      decline_code: a.declineCode,
      payment_method_id: a.paymentMethodId,
    })),
  };
};

export const encodePayment = (r: ChargeResult) => ({
  paid: r.outcome === 'paid',
  outcome: r.outcome,
  decline_code: r.declineCode,
  message: r.message,
  invoice: encodeInvoice(r.invoice),
});

export const encodeReconciliation = (orgId: string, r: DriftReport | undefined) => ({
  org_id: orgId,
  checked_at: r?.checkedAt ?? null,
  in_sync: (r?.differences.length ?? 0) === 0,
  invoices_checked: r?.invoicesChecked ?? 0,
  charges_checked: r?.chargesChecked ?? 0,
  differences: (r?.differences ?? []).map((d) => ({
    kind: d.kind,
    invoice_id: d.invoiceId,
    stripe_invoice_id: d.stripeInvoiceId,
    charge_id: d.chargeId ?? null,
    ours: d.ours,
    stripe: d.stripe,
  })),
});
