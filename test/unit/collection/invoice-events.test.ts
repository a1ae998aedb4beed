import fc from 'fast-check';
import { ensureMirrored } from '../../../functions/collection/app/charge-invoice';
import { systemContext } from '../../../functions/collection/app/collection-common';
import { reconcileInvoiceEvent } from '../../../functions/collection/app/reconcile-invoice-event';
import type { StripeEventEnvelope } from '../../../functions/payments/ports';
import { collectionWorld, INVOICE, ORG } from '../../support/collection-world';

/**
 * Any order of an invoice's Stripe events, with duplicates, delivered while Stripe keeps changing (some
 * concurrently): our invoice ends where Stripe's is — status, every attempt once — and its status never
 * moves back on the way. The real use cases run over in-memory stores with the adapters' conditions.
 */
const RANK: Record<string, number> = { open: 0, uncollectible: 1, paid: 2, void: 2 };
type Op = 'fail' | 'succeed' | 'uncollectible' | 'void';

describe('invoice events in any order', () => {
  it('converge on Stripe’s invoice: status, attempts once each, never backwards (500 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            op: fc.constantFrom<Op>('fail', 'fail', 'succeed', 'uncollectible', 'void'),
            deliver: fc.nat(3),
          }),
          { minLength: 1, maxLength: 7 },
        ),
        fc.array(fc.nat(1_000), { minLength: 40, maxLength: 40 }),
        fc.array(fc.nat(1_000), { maxLength: 8 }),
        fc.boolean(),
        async (ops, picks, duplicates, concurrent) => {
          let ms = Date.parse('2027-01-01T00:00:00.000Z');
          const clock = {
            now: () => {
              ms += 7;
              return new Date(ms);
            },
          };
          const world = collectionWorld(clock);
          const { deps, stripe } = world;
          await ensureMirrored(deps, systemContext(), { orgId: ORG, invoiceId: INVOICE });

          let pick = 0;
          const next = (n: number) => picks[pick++ % picks.length]! % n;
          const pending: StripeEventEnvelope[] = [];
          let delivered = 0;
          const deliverOne = async () => {
            const [event] = pending.splice(next(pending.length), 1);
            delivered += 1;
            await reconcileInvoiceEvent(deps, event!, world.handOff(event!.id));
          };
          const deliver = async (count: number) => {
            for (let i = 0; i < count && pending.length > 0; i++) {
              if (concurrent && pending.length > 1) await Promise.all([deliverOne(), deliverOne()]);
              else await deliverOne();
            }
          };
          let seen = 0;
          for (const { op, deliver: count } of ops) {
            if (op === 'fail') stripe.attempt('bad');
            else if (op === 'succeed') stripe.attempt('good');
            else if (op === 'uncollectible') stripe.markUncollectibleNow();
            else stripe.voidNow();
            pending.push(...stripe.events.slice(seen));
            seen = stripe.events.length;
            await deliver(count);
          }
          // Stripe delivers at least once: copies of events already delivered, then whatever is left.
          for (const d of duplicates) pending.push(stripe.events[d % stripe.events.length]!);
          await deliver(pending.length);
          expect(delivered).toBeGreaterThanOrEqual(stripe.events.length);

          const { invoice, statusHistory, inbox, notices, status } = world.view();
          expect(invoice.status).toBe(stripe.status);
          const attempts = invoice.collection?.attempts ?? [];
          expect(attempts.map((a) => a.id).sort()).toEqual(stripe.charges.map((c) => c.id).sort());
          expect(new Set(attempts.map((a) => a.id)).size).toBe(attempts.length);
          expect(invoice.collection?.stripe?.status).toBe(stripe.status);
          for (let i = 1; i < statusHistory.length; i++) {
            expect(RANK[statusHistory[i]!]!).toBeGreaterThan(RANK[statusHistory[i - 1]!]!);
          }
          // Each event applied exactly once (its inbox record finished once); notices at most one per attempt.
          expect(new Set(inbox.keys())).toEqual(new Set(stripe.events.map((e) => e.id)));
          const failedIds = new Set(stripe.charges.filter((c) => c.status === 'failed').map((c) => c.id));
          for (const cause of notices.keys()) {
            if (cause.startsWith('payment_failed:')) expect(failedIds.has(cause.split(':').at(-1)!)).toBe(true);
          }
          if (stripe.status === 'paid' || stripe.status === 'void') expect(status.dunningState).toBe('none');
          if (stripe.status === 'open' && failedIds.size > 0) expect(status.dunningState).toBe('past_due');
        },
      ),
      { numRuns: 500 },
    );
  });
});
