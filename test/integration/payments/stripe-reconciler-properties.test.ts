import fc from 'fast-check';
import { ulid } from 'ulid';
import { systemActor } from '../../../functions/kernel/audit';
import { provisionOrg } from '../../../functions/orgs/app/provision-org';
import { type ReconcileDeps, reconcileStripeEvent } from '../../../functions/payments/app/reconcile-stripe-event';
import { buildDeps } from '../../support/deps';
import { StripeModel, type StripeOp } from '../../support/stripe-model';

/**
 * The unit suite runs these properties hundreds of times against in-memory stores with the same
 * conditions; here a smaller number runs them against DynamoDB Local, so the real transactions,
 * conditions and cancellation reasons are what keep state moving forward. Stripe is the model (behind
 * the gateway port), re-read at processing time like the real one.
 */
const real = buildDeps();

async function freshOrg(stripe: StripeModel) {
  await provisionOrg(
    real,
    { actor: systemActor('test') },
    { orgId: stripe.orgId, name: 'Prop', defaultCurrency: 'USD' },
  );
  await real.stripeCustomers.link(stripe.orgId, stripe.customerId);
}

const tick = async (n: number) => {
  for (let k = 0; k < n; k++) await new Promise((r) => setImmediate(r));
};

type Step = { do: 'op' | 'deliver' | 'race'; op?: StripeOp; pick?: number };

async function run(steps: Step[], make: (s: StripeModel) => Promise<void> = freshOrg) {
  const id = ulid().toLowerCase();
  const stripe = new StripeModel(`cus_${id}`, `org_${id}`);
  await make(stripe);
  const deps = { ...real, clock: stripe.clock, paymentGateway: stripe };
  const slowDeps = {
    ...deps,
    paymentMethodMirror: {
      list: (org: string) => real.paymentMethodMirror.list(org),
      apply: async (...args: Parameters<typeof real.paymentMethodMirror.apply>) => {
        await tick(8);
        return real.paymentMethodMirror.apply(...args);
      },
    },
  };
  const deliver = (i: number, d: ReconcileDeps = deps) =>
    reconcileStripeEvent(d, stripe.events[i % stripe.events.length]!).catch(() => 'retry');
  for (const s of steps) {
    if (s.do === 'op') stripe.apply(s.op!);
    else if (stripe.events.length === 0) continue;
    else if (s.do === 'race') {
      const slow = deliver(s.pick!, slowDeps);
      await tick(2);
      const before = stripe.events.length;
      stripe.apply(s.op!);
      await Promise.all([slow, stripe.events.length > before ? deliver(before) : undefined]);
    } else await deliver(s.pick!);
  }
  // Every event at least once more, newest first (a record that threw above is redelivered here).
  for (let i = stripe.events.length - 1; i >= 0; i--) await deliver(i);
  return stripe;
}

const pmOp: fc.Arbitrary<StripeOp> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('attach' as const, 'detach' as const, 'default' as const),
    pm: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({
    kind: fc.constant('update' as const),
    pm: fc.integer({ min: 1, max: 3 }),
    expYear: fc.integer({ min: 2027, max: 2035 }),
  }),
);
const steps = (op: fc.Arbitrary<StripeOp>) =>
  fc.array(
    fc.oneof(
      op.map((o) => ({ do: 'op' as const, op: o })),
      fc.nat().map((i) => ({ do: 'deliver' as const, pick: i })),
      fc.tuple(fc.nat(), op).map(([i, o]) => ({ do: 'race' as const, pick: i, op: o })),
    ),
    { minLength: 1, maxLength: 14 },
  );

describe('reconciling Stripe events against DynamoDB', () => {
  it("ends with the mirror equal to Stripe's payment methods", async () => {
    await fc.assert(
      fc.asyncProperty(steps(pmOp), async (schedule) => {
        const stripe = await run(schedule);
        const mirror = await real.paymentMethods.list(stripe.orgId);
        const view = (ms: { id: string; expYear?: number; isDefault: boolean }[]) =>
          ms.map((m) => [m.id, m.expYear, m.isDefault]).sort();
        expect(view(mirror)).toEqual(
          view(stripe.attached().map((m) => ({ ...m, isDefault: m.id === stripe.defaultId }))),
        );
      }),
      { numRuns: 50 },
    );
  }, 120_000);

  it('ends with the dispute as Stripe has it and the org frozen exactly while it is open', async () => {
    const disputeOp: fc.Arbitrary<StripeOp> = fc.record({
      kind: fc.constant('dispute' as const),
      status: fc.constantFrom('needs_response', 'under_review', 'won', 'lost'),
    });
    await fc.assert(
      fc.asyncProperty(steps(disputeOp), async (schedule) => {
        const stripe = await run(schedule);
        if (!stripe.dispute) return;
        const status = (await real.billingStatus.get(stripe.orgId))!;
        const open = !['won', 'lost'].includes(stripe.dispute.status);
        expect(status.freezeReasons).toEqual(open ? [`dispute:${stripe.dispute.id}`] : []);
        expect(status.disputes.map((d) => d.status)).toEqual([stripe.dispute.status]);
        const audit = await real.audit.list(stripe.orgId, { limit: 100 });
        expect(audit.data.filter((a) => a.action === 'dispute.lost')).toHaveLength(
          stripe.dispute.status === 'lost' ? 1 : 0,
        );
      }),
      { numRuns: 50 },
    );
  }, 120_000);
});
