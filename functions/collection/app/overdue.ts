import { formatMajor } from '../../kernel/money';
import type { LedgerStatus } from '../domain/collection';
import type { InvoiceRef } from './charge-invoice';
import { type CollectOutcome, drainQueue } from './collect-invoices';
import { applyObservation, type CollectionDeps, collectedOf, commit, systemContext } from './collection-common';

/**
 * A net-terms invoice past its due date and still unpaid starts dunning (as a failed payment does),
 * once, with a notice to the `payment_failed` contacts. Stripe is re-read first: a payment on the hosted
 * page whose webhook has not arrived yet must not put the org in dunning.
 */
export async function startOverdueDunning(deps: CollectionDeps, ref: InvoiceRef): Promise<CollectOutcome | 'overdue'> {
  const ctx = systemContext();
  const first = await deps.ledger.get(ref.orgId, ref.invoiceId);
  if (!first) return 'missing';
  const link = collectedOf(first.invoice).stripe;
  if (link) {
    const at = deps.clock.now().toISOString();
    const observed = await deps.gateway.retrieve(link.invoiceId);
    if (observed) await applyObservation(deps, ctx, ref, observed, at);
  }
  for (;;) {
    const loaded = await deps.ledger.get(ref.orgId, ref.invoiceId);
    if (!loaded) return 'missing';
    const { invoice, version } = loaded;
    const collected = collectedOf(invoice);
    const now = deps.clock.now().toISOString();
    const overdue = invoice.status === 'open' && invoice.dueAt !== null && invoice.dueAt <= now;
    if (!overdue || collected.dunningStartedAt) {
      await commit(deps, ctx, invoice, version, invoice.status as LedgerStatus, collected, { audit: false });
      return invoice.dueAt !== null && invoice.dueAt > now ? 'not_due' : 'nothing_to_do';
    }
    await deps.standing.paymentFailed(invoice.orgId, ctx, invoice.dueAt!);
    await deps.notices.enqueue({
      orgId: invoice.orgId,
      kind: 'payment_failed',
      cause: `invoice_overdue:${invoice.id}`,
      subject: `Invoice ${invoice.number} is overdue`,
      body: `Invoice ${invoice.number} (${formatMajor({ amountMinor: invoice.amountDueMinor, currency: invoice.currency })} ${invoice.currency}) was due ${invoice.dueAt!.slice(0, 10)} and is unpaid. New purchases are paused until it is paid${link?.hostedInvoiceUrl ? `: ${link.hostedInvoiceUrl}` : '.'}`,
      data: {
        invoice_id: invoice.id,
        number: invoice.number,
        due_at: invoice.dueAt,
        hosted_invoice_url: link?.hostedInvoiceUrl ?? null,
      },
    });
    const result = await commit(deps, ctx, invoice, version, 'open', { ...collected, dunningStartedAt: now });
    if (result !== 'conflict') return 'overdue';
  }
}

/** The `startOverdueDunning` schedule: every net-terms invoice whose due date has come. */
export const overdueInvoices = (deps: CollectionDeps, options?: { budgetMs?: number }) =>
  drainQueue(deps, 'overdue', (ref) => startOverdueDunning(deps, ref), options);
