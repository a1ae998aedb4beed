import type { CollectionQueue } from '../../invoicing/ports';
import { isAppError } from '../../kernel/errors';
import { logger } from '../../kernel/logger';
import { type LedgerStatus, nextRetryAt, stripeKeys } from '../domain/collection';
import { chargeInvoice, ensureMirrored, type InvoiceRef } from './charge-invoice';
import { applyObservation, type CollectionDeps, collectedOf, commit, systemContext } from './collection-common';

export type CollectOutcome = 'charged' | 'sent' | 'written_off' | 'nothing_to_do' | 'not_due' | 'missing';

/**
 * The collection outbox's worker for one invoice: mirror it to Stripe and, charged automatically,
 * charge it once (slot `initial`); net terms are only sent (finalized at Stripe, payable on its hosted
 * page). An invoice we wrote off is marked uncollectible at Stripe too. Anything else has nothing left
 * here and leaves the list. Zero and credit invoices never reach it (they are paid at issue).
 */
export async function collectInvoice(deps: CollectionDeps, ref: InvoiceRef): Promise<CollectOutcome> {
  const ctx = systemContext();
  const loaded = await deps.ledger.get(ref.orgId, ref.invoiceId);
  if (!loaded) return 'missing';
  const { invoice, version } = loaded;
  const collected = collectedOf(invoice);
  if (invoice.status === 'uncollectible' && collected.stripe?.status === 'open') {
    const at = deps.clock.now().toISOString();
    const observed = await deps.gateway.markUncollectible(
      collected.stripe.invoiceId,
      stripeKeys.uncollectible(invoice.id),
    );
    await applyObservation(deps, ctx, ref, observed, at);
    return 'written_off';
  }
  if (invoice.status !== 'open' || invoice.amountDueMinor <= 0) {
    await commit(deps, ctx, invoice, version, invoice.status as LedgerStatus, collected, { audit: false });
    return 'nothing_to_do';
  }
  if ((invoice.collectionMethod ?? 'charge_automatically') === 'send_invoice') {
    await ensureMirrored(deps, ctx, ref);
    return 'sent';
  }
  if (collected.attempts.length > 0) {
    await ensureMirrored(deps, ctx, ref);
    return 'nothing_to_do';
  }
  await chargeInvoice(deps, ctx, ref, 'initial');
  return 'charged';
}

/**
 * A retry of a failed automatic charge, with the customer's default payment method at this moment: slot
 * `retry:<n>`, n counted on the invoice (moved forward with the attempt's record), so a re-run of the
 * same retry is the same Stripe request.
 */
export async function retryPayment(deps: CollectionDeps, ref: InvoiceRef): Promise<CollectOutcome> {
  const loaded = await deps.ledger.get(ref.orgId, ref.invoiceId);
  if (!loaded) return 'missing';
  const { invoice } = loaded;
  const collected = collectedOf(invoice);
  const due = nextRetryAt(collected, deps.retryDays);
  if (invoice.status !== 'open' || collected.attempts.some((a) => a.outcome === 'succeeded') || !due) {
    await commit(deps, systemContext(), invoice, loaded.version, invoice.status as LedgerStatus, collected, {
      audit: false,
    });
    return 'nothing_to_do';
  }
  if (due > deps.clock.now().toISOString()) return 'not_due';
  const n = collected.retries + 1;
  await chargeInvoice(deps, systemContext(), ref, `retry:${n}`, {
    adjust: (c) => ({ ...c, retries: Math.max(c.retries, n) }),
  });
  return 'charged';
}

export interface QueueRunReport {
  readonly due: number;
  readonly outcomes: Readonly<Partial<Record<string, number>>>;
  readonly failed: readonly { readonly orgId: string; readonly invoiceId: string; readonly code: string }[];
  readonly truncated: boolean;
}

/**
 * A schedule's run over one work list: what is due now, shard by shard, a page at a time, each invoice
 * on its own (a failure is logged and reported, and the invoice stays due for the next run). Stops
 * taking work at `budgetMs` so it ends inside the Lambda timeout; the list is level-triggered.
 */
export async function drainQueue(
  deps: Pick<CollectionDeps, 'ledger' | 'clock'>,
  queue: CollectionQueue,
  work: (ref: InvoiceRef) => Promise<string>,
  options: { pageSize?: number; budgetMs?: number } = {},
): Promise<QueueRunReport> {
  const started = Date.now();
  const outcomes: Record<string, number> = {};
  const failed: { orgId: string; invoiceId: string; code: string }[] = [];
  let due = 0;
  let cursor: string | undefined;
  let truncated = false;
  do {
    const page = await deps.ledger.due(queue, deps.clock.now(), options.pageSize ?? 25, cursor);
    cursor = page.cursor;
    for (const item of page.due) {
      if (options.budgetMs !== undefined && Date.now() - started > options.budgetMs) {
        truncated = true;
        break;
      }
      due += 1;
      try {
        const outcome = await work(item);
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      } catch (error) {
        const code = isAppError(error) ? error.code : 'unexpected';
        failed.push({ orgId: item.orgId, invoiceId: item.invoiceId, code });
        logger.error('collection failed for an invoice; it stays due for the next run', {
          queue,
          ...item,
          code,
          error,
        });
      }
    }
  } while (cursor && !truncated);
  return { due, outcomes, failed, truncated };
}

/** The `collectInvoices` schedule: every issued invoice waiting on the collection outbox. */
export const collectInvoices = (deps: CollectionDeps, options?: { budgetMs?: number }) =>
  drainQueue(deps, 'collect', (ref) => collectInvoice(deps, ref), options);

/** The `retryPayments` schedule: every failed charge whose next retry has come. */
export const retryPayments = (deps: CollectionDeps, options?: { budgetMs?: number }) =>
  drainQueue(deps, 'retry', (ref) => retryPayment(deps, ref), options);
