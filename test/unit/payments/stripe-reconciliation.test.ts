import fc from 'fast-check';
import { reconcileStripeEvent } from '../../../functions/payments/app/reconcile-stripe-event';
import { planDispute, planPaymentMethodMirror } from '../../../functions/payments/domain/payments';
import { inMemoryReconcileStores } from '../../support/in-memory-payments';
import { StripeModel, type StripeOp } from '../../support/stripe-model';

/**
 * Stripe changes a customer's payment methods and a dispute; its events reach the reconciler in any
 * order, duplicated, some of them concurrently. Whatever the schedule, once every event has been
 * delivered at least once, our mirror equals Stripe's latest objects and the freeze matches the dispute.
 */
const pmOp: fc.Arbitrary<StripeOp> = fc.oneof(
  fc.record({ kind: fc.constant('attach' as const), pm: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('detach' as const), pm: fc.integer({ min: 1, max: 3 }) }),
  fc.record({
    kind: fc.constant('update' as const),
    pm: fc.integer({ min: 1, max: 3 }),
    expYear: fc.integer({ min: 2027, max: 2035 }),
  }),
  fc.record({ kind: fc.constant('default' as const), pm: fc.integer({ min: 1, max: 3 }) }),
);
const disputeOp: fc.Arbitrary<StripeOp> = fc.record({
  kind: fc.constant('dispute' as const),
  status: fc.constantFrom('warning_needs_response', 'needs_response', 'under_review', 'won', 'lost', 'warning_closed'),
});

/**
 * A schedule: Stripe operations interleaved with deliveries of the events so far: one at a time, two at
 * once, or a race (Stripe changes while a delivery is being reconciled, and the new event's delivery
 * overtakes it: the slow one then holds an older view and must not overwrite the newer one).
 */
type Step = { do: 'op' | 'deliver' | 'race'; op?: StripeOp; picks?: number[]; ticks?: number };
const step = (op: fc.Arbitrary<StripeOp>): fc.Arbitrary<Step> =>
  fc.oneof(
    { weight: 2, arbitrary: op.map((o) => ({ do: 'op' as const, op: o })) },
    { weight: 2, arbitrary: fc.nat().map((i) => ({ do: 'deliver' as const, picks: [i] })) },
    { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.nat()).map(([i, j]) => ({ do: 'deliver' as const, picks: [i, j] })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.nat(), op, fc.integer({ min: 0, max: 12 }))
        .map(([i, o, ticks]) => ({ do: 'race' as const, picks: [i], op: o, ticks })),
    },
  );

const tick = async (n: number) => {
  for (let k = 0; k < n; k++) await Promise.resolve();
};

async function run(steps: Step[], flushOrder: number[]) {
  const stripe = new StripeModel('cus_model', 'org_model');
  const { stores, view } = inMemoryReconcileStores('org_model', 'cus_model', stripe.clock.now().toISOString());
  let ids = 0;
  const deps = { ...stores, clock: stripe.clock, ids: { next: () => `id_${++ids}` }, paymentGateway: stripe };
  // A reconcile that throws (e.g. Stripe refuses a default for a card detached meanwhile) fails its SQS
  // record, which is delivered again: the final flush below is that redelivery.
  const retried = (p: Promise<unknown>) => p.catch(() => 'retry');
  const deliver = (i: number) => retried(reconcileStripeEvent(deps, stripe.events[i % stripe.events.length]!));
  // A slow consumer: it pauses between its re-read and its write (a cold start, a GC pause, a retry).
  const slowDeps = {
    ...deps,
    paymentMethodMirror: {
      ...deps.paymentMethodMirror,
      apply: async (...args: Parameters<typeof deps.paymentMethodMirror.apply>) => {
        await tick(60);
        return deps.paymentMethodMirror.apply(...args);
      },
    },
    disputes: {
      ...deps.disputes,
      apply: async (...args: Parameters<typeof deps.disputes.apply>) => {
        await tick(60);
        return deps.disputes.apply(...args);
      },
    },
  };
  const deliverSlowly = (i: number) =>
    retried(reconcileStripeEvent(slowDeps, stripe.events[i % stripe.events.length]!));
  for (const s of steps) {
    if (s.do === 'op') stripe.apply(s.op!);
    else if (s.do === 'race' && stripe.events.length > 0) {
      const slow = deliverSlowly(s.picks![0]!);
      await tick(s.ticks!);
      const before = stripe.events.length;
      stripe.apply(s.op!);
      const fast = stripe.events.length > before ? deliver(before) : Promise.resolve();
      await Promise.all([slow, fast]);
    } else if (stripe.events.length > 0) await Promise.all(s.picks!.map(deliver));
  }
  // Stripe retries until acknowledged: every event arrives at least once more, in some order.
  const order = stripe.events.map((_, i) => i).sort((a, b) => (flushOrder[a] ?? 0) - (flushOrder[b] ?? 0));
  for (let k = 0; k < order.length; k += 2) await Promise.all(order.slice(k, k + 2).map(deliver));
  return { stripe, ...view() };
}

describe('reconciling Stripe events', () => {
  it("ends with the mirror equal to Stripe's payment methods, whatever the order, duplicates and overlaps", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step(pmOp), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        async (steps, flush) => {
          const { stripe, mirror } = await run(steps, flush);
          const expected = stripe
            .attached()
            .map((m) => ({ id: m.id, expYear: m.expYear, isDefault: m.id === stripe.defaultId }))
            .sort((a, b) => a.id.localeCompare(b.id));
          const actual = mirror
            .map((m) => ({ id: m.id, expYear: m.expYear, isDefault: m.isDefault }))
            .sort((a, b) => a.id.localeCompare(b.id));
          expect(actual).toEqual(expected);
          // An org with cards always has exactly one default (the oldest, unless someone chose another).
          expect(mirror.filter((m) => m.isDefault).length).toBe(expected.length > 0 ? 1 : 0);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('ends with the dispute as Stripe has it, frozen exactly while it is open, whatever the schedule', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step(disputeOp), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        async (steps, flush) => {
          const { stripe, disputes, status, audits } = await run(steps, flush);
          if (!stripe.dispute) return;
          expect(disputes.map((d) => d.status)).toEqual([stripe.dispute.status]);
          const open = !['won', 'lost', 'warning_closed'].includes(stripe.dispute.status);
          expect(status.freezeReasons).toEqual(open ? [`dispute:${stripe.dispute.id}`] : []);
          expect(status.disputes.map((d) => [d.id, d.status])).toEqual([[stripe.dispute.id, stripe.dispute.status]]);
          expect(audits.filter((a) => a.action === 'dispute.lost').length).toBe(
            stripe.dispute.status === 'lost' ? 1 : 0,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('applies an event delivered three times once', async () => {
    const stripe = new StripeModel('cus_3x', 'org_3x');
    const { stores, view } = inMemoryReconcileStores('org_3x', 'cus_3x', stripe.clock.now().toISOString());
    const deps = { ...stores, clock: stripe.clock, ids: { next: () => `id_${Math.random()}` }, paymentGateway: stripe };
    stripe.apply({ kind: 'attach', pm: 1 });
    const event = stripe.events[0]!;
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await reconcileStripeEvent(deps, event));
    expect(outcomes).toEqual(['applied', 'duplicate', 'duplicate']);
    expect(view().audits.filter((a) => a.action === 'payment_methods.synced')).toHaveLength(1);
  });

  it('hands invoice and payment events to the collection capability with their inbox record, once', async () => {
    const stripe = new StripeModel('cus_inv', 'org_inv');
    const { stores, view } = inMemoryReconcileStores('org_inv', 'cus_inv', stripe.clock.now().toISOString());
    const handed: string[] = [];
    const deps = {
      ...stores,
      clock: stripe.clock,
      ids: { next: () => 'id' },
      paymentGateway: stripe,
      invoiceEvents: {
        handle: async (
          event: { type: string },
          inbox: { finish: (o: { status: 'superseded' }) => Promise<boolean> },
        ) => {
          handed.push(event.type);
          return (await inbox.finish({ status: 'superseded' })) ? ('superseded' as const) : ('duplicate' as const);
        },
      },
    };
    const event = { id: 'evt_inv', type: 'invoice.paid', created: 1, data: { object: { id: 'in_1' } } };
    expect(await reconcileStripeEvent(deps, event)).toBe('superseded');
    expect(await reconcileStripeEvent(deps, event)).toBe('duplicate');
    expect(handed).toEqual(['invoice.paid']);
    expect(view().inboxItems.get('evt_inv')?.status).toBe('superseded');
  });
});

describe('planning the mirror and disputes', () => {
  const method = {
    id: 'pm_1',
    customerId: 'cus',
    type: 'card',
    brand: 'visa',
    last4: '4242',
    createdAt: '2026-11-01T00:00:00.000Z',
  };
  const snapshot = (observedAt: string) => ({
    orgId: 'org',
    customerId: 'cus',
    observedAt,
    defaultPaymentMethodId: 'pm_1',
    methods: [method],
  });

  it('never applies a snapshot observed before the one on record', () => {
    expect(planPaymentMethodMirror([], '2026-11-02T00:00:00.000Z', snapshot('2026-11-01T00:00:00.000Z')).apply).toBe(
      false,
    );
    const plan = planPaymentMethodMirror([], '2026-11-01T00:00:00.000Z', snapshot('2026-11-02T00:00:00.000Z'));
    expect(plan.upserts.map((m) => [m.id, m.isDefault])).toEqual([['pm_1', true]]);
  });

  it('applies a new default observed at the same instant as the previous snapshot', () => {
    const at = '2026-11-25T00:00:00.000Z';
    const second = { ...method, id: 'pm_2', createdAt: at };
    const attached = planPaymentMethodMirror(
      [
        {
          id: 'pm_1',
          orgId: 'org',
          type: 'card',
          brand: 'visa',
          last4: '4242',
          isDefault: true,
          createdAt: method.createdAt,
          updatedAt: method.createdAt,
        },
      ],
      method.createdAt,
      { ...snapshot(at), methods: [method, second] },
    );
    expect(attached.upserts.map((m) => [m.id, m.isDefault])).toEqual([['pm_2', false]]);
    const current = [
      {
        id: 'pm_1',
        orgId: 'org',
        type: 'card',
        brand: 'visa',
        last4: '4242',
        isDefault: true,
        createdAt: method.createdAt,
        updatedAt: method.createdAt,
      },
      ...attached.upserts,
    ];
    const defaulted = planPaymentMethodMirror(current, at, {
      ...snapshot(at),
      defaultPaymentMethodId: 'pm_2',
      methods: [method, second],
    });
    expect(defaulted.upserts.map((m) => [m.id, m.isDefault])).toEqual([
      ['pm_1', false],
      ['pm_2', true],
    ]);
  });

  it('never reopens a dispute with a view older than the one on record', () => {
    const dispute = {
      id: 'dp',
      chargeId: 'ch',
      customerId: 'cus',
      status: 'won',
      amountMinor: 1,
      currency: 'USD',
      createdAt: 'x',
    };
    const closed = planDispute(undefined, dispute, 'org', '2026-11-02T00:00:00.000Z');
    const late = planDispute(
      closed.record,
      { ...dispute, status: 'needs_response' },
      'org',
      '2026-11-01T00:00:00.000Z',
    );
    expect(late.apply).toBe(false);
    expect(late.freeze).toBe('none');
  });
});
