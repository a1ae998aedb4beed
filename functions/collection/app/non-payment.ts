import type { CollectionLedger } from '../../invoicing/ports';
import type { Clock } from '../../kernel/clock';
import type { CallContext, IdGenerator } from '../../kernel/ports';
import type { NonPaymentCancellation } from '../../subscriptions/ports';
import { collectedOf, commit } from './collection-common';

export interface NonPaymentDeps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly ledger: CollectionLedger;
  readonly subscriptions: NonPaymentCancellation;
  readonly retryDays: readonly number[];
}

/**
 * Dunning reached `canceled`: the paid subscription ends (the free tier from now, audited) and every
 * open invoice is written off as `uncollectible` — ours now, in its own conditional write; Stripe's by
 * the collection schedule (the write puts the invoice on the collect list). Idempotent: run again, it
 * finds nothing left to end or write off.
 */
export async function enforceNonPayment(deps: NonPaymentDeps, ctx: CallContext, orgId: string): Promise<void> {
  await deps.subscriptions.cancelForNonPayment(orgId, ctx);
  for (const open of await deps.ledger.inStatus(orgId, 'open')) {
    for (;;) {
      const loaded = await deps.ledger.get(orgId, open.id);
      if (loaded?.invoice.status !== 'open') break;
      const result = await commit(
        deps,
        ctx,
        loaded.invoice,
        loaded.version,
        'uncollectible',
        collectedOf(loaded.invoice),
      );
      if (result !== 'conflict') break;
    }
  }
}
