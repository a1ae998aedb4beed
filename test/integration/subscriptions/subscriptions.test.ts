import { ulid } from 'ulid';
import { fixedClock } from '../../../functions/kernel/clock';
import { loadConfig } from '../../../functions/kernel/config';
import type { Currency } from '../../../functions/kernel/money';
import type { CallContext } from '../../../functions/kernel/ports';
import { provisionOrg } from '../../../functions/orgs/app/provision-org';
import { cancelSubscription } from '../../../functions/subscriptions/app/cancel-subscription';
import { changeSubscription } from '../../../functions/subscriptions/app/change-subscription';
import { createSubscription } from '../../../functions/subscriptions/app/create-subscription';
import { getSubscription } from '../../../functions/subscriptions/app/get-subscription';
import { rollupPeriods } from '../../../functions/subscriptions/app/rollup-periods';
import { switchCurrency } from '../../../functions/subscriptions/app/switch-currency';
import { buildDeps, type Deps } from '../../support/deps';
import { seedDefaultPaymentMethod } from '../support/seed';

/**
 * The subscription lifecycle at the use-case level, against DynamoDB Local, with a hand-set clock so
 * proration is checked to the minor unit. November 2025 has 30 days: 2,592,000,000 ms. The clock is a
 * year behind the real one so the rollup run here never applies changes other tests scheduled at the
 * real next boundary (the work list on GSI2 is global).
 */
const clock = fixedClock('2025-11-10T00:00:00.000Z');
let deps: Deps;
const ctx: CallContext = { actor: { type: 'user', id: 'user_admin', role: 'billing_admin' } };

beforeAll(() => {
  deps = buildDeps(loadConfig(), clock);
});
beforeEach(() => clock.set('2025-11-10T00:00:00.000Z'));

async function newOrg(currency: Currency = 'USD', options: { card?: boolean } = { card: true }): Promise<string> {
  const orgId = `org_${ulid().toLowerCase()}`;
  await provisionOrg(deps, ctx, { orgId, name: 'Subscriptions test', defaultCurrency: currency });
  if (options.card !== false) await seedDefaultPaymentMethod(orgId, deps);
  return orgId;
}

const amounts = (lines: readonly { kind: string; amountMinor: number }[]) => lines.map((l) => [l.kind, l.amountMinor]);
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { code?: string }) => e.code,
  );

describe('the instant of a change', () => {
  it('starts the terms segment exactly when the subscription and its history say the change took effect', async () => {
    // A clock that moves on at every read, as a real one does between the use case's read and the write.
    let tick = Date.parse('2025-11-12T00:00:00.000Z');
    const moving = buildDeps(loadConfig(), {
      now: () => {
        tick += 7;
        return new Date(tick);
      },
    });
    const org = await newOrg();
    await createSubscription(moving, ctx, { orgId: org, planId: 'team', currency: 'USD' });
    const { subscription, events } = await changeSubscription(moving, ctx, { orgId: org, planId: 'pro' });
    const timeline = await moving.terms.timeline(org, new Date('2025-11-01T00:00:00.000Z'), new Date(tick));
    expect(timeline.at(-1)).toMatchObject({ from: subscription.updatedAt, terms: { planId: 'pro' } });
    expect(events[0]).toMatchObject({
      type: 'upgraded',
      at: subscription.updatedAt,
      effectiveAt: subscription.updatedAt,
    });
  });
});

describe('creating a subscription', () => {
  it('subscribes to the free plan without a payment method and charges nothing', async () => {
    const org = await newOrg('EUR', { card: false });
    const { subscription, adjustments } = await createSubscription(deps, ctx, {
      orgId: org,
      planId: 'free',
      currency: 'EUR',
    });
    expect(subscription).toMatchObject({ status: 'active', planId: 'free', billingModel: 'free', currency: 'EUR' });
    expect(adjustments).toEqual([]);
  });

  it('refuses a paid plan without a default payment method', async () => {
    const org = await newOrg('USD', { card: false });
    await expect(createSubscription(deps, ctx, { orgId: org, planId: 'team', currency: 'USD' })).rejects.toMatchObject({
      code: 'payment_method_required',
      kind: 'business_rule',
    });
  });

  it('charges the short first period pro rata and allows one active subscription', async () => {
    const org = await newOrg();
    const created = await createSubscription(deps, ctx, { orgId: org, planId: 'team', currency: 'USD' });
    expect(created.subscription).toMatchObject({
      planId: 'team',
      planVersion: 2,
      billingModel: 'flat',
      currency: 'USD',
      version: 1,
      cancelAtPeriodEnd: false,
    });
    // 21 of 30 days left: 4900 × 0.7 = 3430.
    expect(created.adjustments).toMatchObject([
      { kind: 'first_period_fee', amountMinor: 3430, fullAmountMinor: 4900, currency: 'USD', periodKey: '2025-11' },
    ]);
    const view = await getSubscription(deps, org);
    expect(view.currentPeriod.start.toISOString()).toBe('2025-11-10T00:00:00.000Z');
    expect(view.currentPeriod.end.toISOString()).toBe('2025-12-01T00:00:00.000Z');
    expect(view.history.map((e) => e.type)).toEqual(['created']);
    expect(view.pendingAdjustments).toHaveLength(1);
    await expect(createSubscription(deps, ctx, { orgId: org, planId: 'pro', currency: 'USD' })).rejects.toMatchObject({
      code: 'subscription_exists',
      kind: 'conflict',
    });
  });

  it('refuses currencies and models a plan is not sold in, and the enterprise tier', async () => {
    const org = await newOrg();
    expect(await codeOf(createSubscription(deps, ctx, { orgId: org, planId: 'team', currency: 'KWD' }))).toBe(
      'currency_not_offered',
    );
    expect(
      await codeOf(
        createSubscription(deps, ctx, { orgId: org, planId: 'team', currency: 'GBP', billingModel: 'metered' }),
      ),
    ).toBe('metered_price_missing');
    expect(await codeOf(createSubscription(deps, ctx, { orgId: org, planId: 'enterprise', currency: 'USD' }))).toBe(
      'plan_not_self_serve',
    );
    expect(
      await codeOf(
        createSubscription(deps, ctx, { orgId: org, planId: 'team', currency: 'USD', billingModel: 'free' }),
      ),
    ).toBe('billing_model_not_offered');
    expect(await codeOf(createSubscription(deps, ctx, { orgId: org, planId: 'platinum', currency: 'USD' }))).toBe(
      'plan_not_found',
    );
  });
});

describe('changing the plan', () => {
  it('upgrades now, crediting the old flat fee and charging the new one to the cent (USD)', async () => {
    const org = await newOrg();
    await createSubscription(deps, ctx, { orgId: org, planId: 'team', currency: 'USD' });
    clock.set('2025-11-21T08:00:00.000Z'); // 232 of 720 hours left: fraction 0.32222…
    const { subscription, adjustments, events } = await changeSubscription(deps, ctx, {
      orgId: org,
      planId: 'pro',
      billingModel: 'flat',
    });
    expect(subscription).toMatchObject({ planId: 'pro', billingModel: 'flat', version: 2 });
    // −4900 × 0.32222… = −1578.89 → −1579; 19900 × 0.32222… = 6412.22 → 6412.
    expect(amounts(adjustments)).toEqual([
      ['proration_credit', -1579],
      ['proration_charge', 6412],
    ]);
    expect(adjustments[0]).toMatchObject({ preciseAmountMinor: expect.stringMatching(/^-1578\.888/) });
    expect(events.map((e) => e.type)).toEqual(['upgraded']);
    expect(await deps.terms.termsAt(org, new Date('2025-11-21T07:59:59.999Z'))).toMatchObject({ planId: 'team' });
    expect(await deps.terms.termsAt(org, new Date('2025-11-21T08:00:00.000Z'))).toMatchObject({ planId: 'pro' });
    // The period's stretches, as the usage consumer and readers see them.
    const timeline = await deps.terms.timeline(
      org,
      new Date('2025-11-01T00:00:00.000Z'),
      new Date('2025-11-30T00:00:00.000Z'),
    );
    expect(timeline.map((s) => [s.from, s.terms.planId])).toEqual([
      ['2025-11-10T00:00:00.000Z', 'team'],
      ['2025-11-21T08:00:00.000Z', 'pro'],
    ]);
    expect(
      await deps.terms.timeline(org, new Date('2025-11-25T00:00:00.000Z'), new Date('2025-11-26T00:00:00.000Z')),
    ).toEqual([expect.objectContaining({ from: '2025-11-21T08:00:00.000Z' })]);
  });

  it('prorates in yen (no minor unit) with one rounding per line, half away from zero', async () => {
    const org = await newOrg('JPY');
    const created = await createSubscription(deps, ctx, { orgId: org, planId: 'team', currency: 'JPY' });
    expect(amounts(created.adjustments)).toEqual([['first_period_fee', 5250]]); // ¥7,500 × 21/30
    clock.set('2025-11-21T08:00:00.000Z');
    const up = await changeSubscription(deps, ctx, { orgId: org, planId: 'pro', billingModel: 'flat' });
    // −7500 × 0.32222… = −2416.67 → −2417; 29800 × 0.32222… = 9602.22 → 9602.
    expect(amounts(up.adjustments)).toEqual([
      ['proration_credit', -2417],
      ['proration_charge', 9602],
    ]);

    const half = await newOrg('JPY');
    await createSubscription(deps, ctx, { orgId: half, planId: 'team', currency: 'JPY' });
    clock.set('2025-11-30T23:51:21.600Z'); // 518,400 ms left: −7500 × 0.0002 = −1.5 → −2; 29800 × 0.0002 = 5.96 → 6
    const late = await changeSubscription(deps, ctx, { orgId: half, planId: 'pro', billingModel: 'flat' });
    expect(late.adjustments.map((a) => [a.preciseAmountMinor, a.amountMinor])).toEqual([
      ['-1.5', -2],
      ['5.96', 6],
    ]);
  });

  it('schedules a downgrade for the period end, shows it, and lets it be withdrawn', async () => {
    const org = await newOrg();
    await createSubscription(deps, ctx, { orgId: org, planId: 'pro', currency: 'USD', billingModel: 'flat' });
    const down = await changeSubscription(deps, ctx, { orgId: org, planId: 'team', billingModel: 'flat' });
    expect(down.adjustments).toEqual([]);
    expect(down.subscription).toMatchObject({
      planId: 'pro',
      pendingPlan: { planId: 'team', billingModel: 'flat', effectiveAt: '2025-12-01T00:00:00.000Z' },
    });
    expect(await deps.terms.termsAt(org, new Date('2025-11-30T23:59:59.999Z'))).toMatchObject({ planId: 'pro' });
    expect(await deps.terms.termsAt(org, new Date('2025-12-01T00:00:00.000Z'))).toMatchObject({ planId: 'team' });

    const withdrawn = await changeSubscription(deps, ctx, { orgId: org, planId: 'pro', billingModel: 'flat' });
    expect(withdrawn.subscription.pendingPlan).toBeUndefined();
    expect(withdrawn.events.map((e) => e.type)).toEqual(['downgrade_withdrawn']);
    expect(await deps.terms.termsAt(org, new Date('2025-12-01T00:00:00.000Z'))).toMatchObject({ planId: 'pro' });
  });

  it('applies a downgrade at the boundary once, however often or late the rollup runs', async () => {
    const org = await newOrg();
    await createSubscription(deps, ctx, { orgId: org, planId: 'pro', currency: 'USD', billingModel: 'flat' });
    await changeSubscription(deps, ctx, { orgId: org, planId: 'team' });
    clock.set('2025-11-30T23:00:00.000Z');
    await rollupPeriods(deps);
    expect((await deps.subscriptions.get(org))?.planId).toBe('pro');

    clock.set('2025-12-01T03:17:00.000Z'); // late
    const runs = await Promise.all([rollupPeriods(deps), rollupPeriods(deps)]);
    runs.push(await rollupPeriods(deps));
    // Other orgs may be due too, so the exactly-once proof is this org's version and history below.
    expect(runs.every((r) => r.due >= r.applied)).toBe(true);
    const after = await deps.subscriptions.get(org);
    expect(after).toMatchObject({ planId: 'team', billingModel: 'flat', version: 3 });
    expect(after?.pendingPlan).toBeUndefined();
    const history = await deps.subscriptions.history(org);
    const applied = history.filter((e) => e.type === 'downgrade_applied');
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({ effectiveAt: '2025-12-01T00:00:00.000Z', actor: { type: 'system' } });
  });

  it('switches flat → metered now, crediting the flat fee; usage before the switch keeps the old terms', async () => {
    const org = await newOrg();
    await createSubscription(deps, ctx, { orgId: org, planId: 'team', currency: 'USD' });
    clock.set('2025-11-16T00:00:00.000Z'); // 15 of 30 days left
    const switched = await changeSubscription(deps, ctx, { orgId: org, billingModel: 'metered' });
    expect(switched.subscription).toMatchObject({ planId: 'team', billingModel: 'metered' });
    expect(amounts(switched.adjustments)).toEqual([['proration_credit', -2450]]);
    expect(switched.events[0]).toMatchObject({ type: 'plan_changed', modelSwitched: true });
    expect(await deps.terms.termsAt(org, new Date('2025-11-15T23:00:00.000Z'))).toMatchObject({ billingModel: 'flat' });
    expect(await deps.terms.termsAt(org, new Date('2025-11-16T00:00:00.000Z'))).toMatchObject({
      billingModel: 'metered',
    });
  });

  it('refuses flat → metered without a metered price in the currency (metered_price_missing)', async () => {
    const org = await newOrg('GBP');
    await createSubscription(deps, ctx, { orgId: org, planId: 'team', currency: 'GBP' });
    await expect(changeSubscription(deps, ctx, { orgId: org, billingModel: 'metered' })).rejects.toMatchObject({
      code: 'metered_price_missing',
      kind: 'business_rule',
    });
  });

  it('needs a default payment method to upgrade from the free plan', async () => {
    const org = await newOrg('USD', { card: false });
    await createSubscription(deps, ctx, { orgId: org, planId: 'free', currency: 'USD' });
    expect(await codeOf(changeSubscription(deps, ctx, { orgId: org, planId: 'team' }))).toBe('payment_method_required');
    await seedDefaultPaymentMethod(org, deps);
    const up = await changeSubscription(deps, ctx, { orgId: org, planId: 'team' });
    expect(up.subscription).toMatchObject({ planId: 'team', billingModel: 'flat' });
    expect(amounts(up.adjustments)).toEqual([['proration_charge', 3430]]);
    expect(await deps.paidSubscriptions.hasActivePaidSelfServe(org)).toBe(true);
  });

  it('answers 404 without an active subscription and 409 for a stale If-Match version', async () => {
    const org = await newOrg();
    expect(await codeOf(changeSubscription(deps, ctx, { orgId: org, planId: 'pro' }))).toBe('subscription_not_found');
    await createSubscription(deps, ctx, { orgId: org, planId: 'team', currency: 'USD' });
    expect(await codeOf(changeSubscription(deps, ctx, { orgId: org, planId: 'pro', expectedVersion: 7 }))).toBe(
      'conflict',
    );
  });
});

describe('cancelling and reactivating', () => {
  it('cancels at the period end, reactivates, and falls back to free at the boundary', async () => {
    const org = await newOrg();
    await createSubscription(deps, ctx, { orgId: org, planId: 'team', currency: 'USD' });
    const scheduled = await cancelSubscription(deps, ctx, { orgId: org, atPeriodEnd: true });
    expect(scheduled.subscription).toMatchObject({ cancelAtPeriodEnd: true, cancelAt: '2025-12-01T00:00:00.000Z' });
    expect(await deps.terms.termsAt(org, new Date('2025-12-01T00:00:00.000Z'))).toMatchObject({ planId: 'free' });

    const reactivated = await changeSubscription(deps, ctx, { orgId: org, cancelAtPeriodEnd: false });
    expect(reactivated.subscription.cancelAtPeriodEnd).toBe(false);
    expect(await deps.terms.termsAt(org, new Date('2025-12-01T00:00:00.000Z'))).toMatchObject({ planId: 'team' });

    await cancelSubscription(deps, ctx, { orgId: org, atPeriodEnd: true });
    clock.set('2025-12-01T00:00:00.000Z');
    expect(await rollupPeriods(deps)).toMatchObject({ applied: expect.any(Number) });
    const after = await deps.subscriptions.get(org);
    expect(after).toMatchObject({ status: 'canceled', canceledAt: '2025-12-01T00:00:00.000Z' });
    expect(await deps.paidSubscriptions.hasActivePaidSelfServe(org)).toBe(false);
    const types = (await deps.subscriptions.history(org)).map((e) => e.type);
    expect(types).toEqual(['created', 'cancellation_scheduled', 'reactivated', 'cancellation_scheduled', 'canceled']);
    // A new subscription may follow a canceled one.
    const again = await createSubscription(deps, ctx, { orgId: org, planId: 'team', currency: 'USD' });
    expect(again.subscription).toMatchObject({ status: 'active', version: (after?.version ?? 0) + 1 });
  });

  it('cancels now, crediting the unused flat fee, and the org is on the free plan at once', async () => {
    const org = await newOrg('JPY');
    await createSubscription(deps, ctx, { orgId: org, planId: 'team', currency: 'JPY' });
    clock.set('2025-11-25T00:00:00.000Z'); // 6 of 30 days left: −7500 × 0.2 = −1500
    const canceled = await cancelSubscription(deps, ctx, { orgId: org, atPeriodEnd: false });
    expect(canceled.subscription).toMatchObject({ status: 'canceled', canceledAt: '2025-11-25T00:00:00.000Z' });
    expect(amounts(canceled.adjustments)).toEqual([['cancellation_credit', -1500]]);
    expect(await deps.terms.termsAt(org, new Date('2025-11-25T00:00:00.000Z'))).toMatchObject({
      planId: 'free',
      currency: 'JPY',
    });
    expect(await codeOf(cancelSubscription(deps, ctx, { orgId: org, atPeriodEnd: false }))).toBe(
      'subscription_not_found',
    );
  });
});

describe('switching the settlement currency', () => {
  it('takes effect at the next boundary, visible as pending until then', async () => {
    const org = await newOrg();
    await createSubscription(deps, ctx, { orgId: org, planId: 'pro', currency: 'USD' });
    const { subscription } = await switchCurrency(deps, ctx, { orgId: org, currency: 'EUR' });
    expect(subscription).toMatchObject({
      currency: 'USD',
      pendingCurrency: { currency: 'EUR', effectiveAt: '2025-12-01T00:00:00.000Z' },
    });
    expect(await deps.terms.termsAt(org, new Date('2025-11-30T23:59:59.999Z'))).toMatchObject({ currency: 'USD' });
    expect(await deps.terms.termsAt(org, new Date('2025-12-01T00:00:00.000Z'))).toMatchObject({ currency: 'EUR' });
    clock.set('2025-12-01T00:00:00.001Z');
    await rollupPeriods(deps);
    expect(await deps.subscriptions.get(org)).toMatchObject({ currency: 'EUR', version: 3 });
    const applied = (await deps.subscriptions.history(org)).filter((e) => e.type === 'currency_switch_applied');
    expect(applied).toHaveLength(1);
  });

  it('is refused when the plan has no price (or no metered price) in that currency', async () => {
    const org = await newOrg();
    await createSubscription(deps, ctx, { orgId: org, planId: 'team', currency: 'USD', billingModel: 'metered' });
    expect(await codeOf(switchCurrency(deps, ctx, { orgId: org, currency: 'KWD' }))).toBe('currency_not_offered');
    expect(await codeOf(switchCurrency(deps, ctx, { orgId: org, currency: 'GBP' }))).toBe('metered_price_missing');
  });

  it('withdraws a pending switch when asked for the current currency', async () => {
    const org = await newOrg();
    await createSubscription(deps, ctx, { orgId: org, planId: 'team', currency: 'USD' });
    await switchCurrency(deps, ctx, { orgId: org, currency: 'JPY' });
    const back = await switchCurrency(deps, ctx, { orgId: org, currency: 'USD' });
    expect(back.subscription.pendingCurrency).toBeUndefined();
    expect(await deps.terms.termsAt(org, new Date('2025-12-05T00:00:00.000Z'))).toMatchObject({ currency: 'USD' });
  });
});

describe('terms reader and audit', () => {
  it('gives the free plan in the default currency to an org that never subscribed', async () => {
    const org = await newOrg('GBP');
    expect(await deps.terms.termsAt(org, new Date())).toMatchObject({
      orgId: org,
      planId: 'free',
      billingModel: 'free',
      currency: 'GBP',
    });
    expect(await deps.terms.termsAt('org_does_not_exist', new Date())).toBeUndefined();
  });

  it('writes an audit entry with before and after for every change', async () => {
    const org = await newOrg();
    await createSubscription(deps, ctx, { orgId: org, planId: 'team', currency: 'USD' });
    await changeSubscription(deps, ctx, { orgId: org, planId: 'pro', billingModel: 'flat' });
    await cancelSubscription(deps, ctx, { orgId: org, atPeriodEnd: true });
    const { data } = await deps.audit.list(org, { limit: 10 });
    expect(data.map((e) => e.action)).toEqual([
      'subscription.cancellation_scheduled',
      'subscription.upgraded',
      'subscription.created',
      'org.provisioned',
    ]);
    expect(data[1]).toMatchObject({
      actor: ctx.actor,
      before: { planId: 'team', version: 1 },
      after: { subscription: { planId: 'pro', version: 2 } },
    });
  });
});
