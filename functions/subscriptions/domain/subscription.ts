import type { Actor } from '../../kernel/audit';
import { businessRule } from '../../kernel/errors';
import { type Currency, Dec, roundMinor } from '../../kernel/money';
import { type Period, periodOf } from '../../kernel/period';
import { type BillingModel, findPlanVersion, PLAN_RANK, type PlanVersion } from '../../kernel/pricing/plans';

/**
 * The subscription lifecycle, pure. Rules (docs/subscriptions.md):
 *  - periods are UTC calendar months; a subscription started mid-month has a short first period;
 *  - an upgrade (a higher tier) and a billing-model switch take effect now: the unused part of the old
 *    flat fee is credited and the new one charged, each pro rata by the exact fraction of the month
 *    left (milliseconds), one rounding per line;
 *  - a downgrade (a lower tier) takes effect at the period end, as a pending change that can be withdrawn;
 *  - a currency switch takes effect at the next boundary (one currency per period);
 *  - cancellation at period end can be undone until the boundary; cancellation now credits the unused
 *    part of the flat fee. The free plan is what an org falls back to.
 * Pending changes always fall on the end of the period they were requested in; `settle` applies those
 * that are due, so a late or missing rollup never leaves a subscription on stale terms.
 */
export const SUBSCRIPTION_STATUSES = ['active', 'canceled'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** What usage is rated under: a plan version, a billing model and a currency. */
export interface Terms {
  readonly planId: string;
  readonly planVersion: number;
  readonly billingModel: BillingModel;
  readonly currency: Currency;
}

export interface PendingPlanChange {
  readonly planId: string;
  readonly planVersion: number;
  readonly billingModel: BillingModel;
  readonly effectiveAt: string;
  readonly requestedAt: string;
}

export interface PendingCurrencyChange {
  readonly currency: Currency;
  readonly effectiveAt: string;
  readonly requestedAt: string;
}

export interface Subscription {
  readonly id: string;
  readonly orgId: string;
  readonly status: SubscriptionStatus;
  readonly planId: string;
  readonly planVersion: number;
  readonly billingModel: BillingModel;
  readonly currency: Currency;
  readonly startedAt: string;
  readonly cancelAtPeriodEnd: boolean;
  /** When cancelAtPeriodEnd is set: the boundary the subscription ends at. */
  readonly cancelAt?: string;
  readonly canceledAt?: string;
  readonly pendingPlan?: PendingPlanChange;
  readonly pendingCurrency?: PendingCurrencyChange;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Optimistic concurrency: every write is conditional on the version it read. */
  readonly version: number;
}

export const SUBSCRIPTION_EVENT_TYPES = [
  'created',
  'upgraded',
  'plan_changed',
  'downgrade_scheduled',
  'downgrade_withdrawn',
  'downgrade_applied',
  'currency_switch_scheduled',
  'currency_switch_withdrawn',
  'currency_switch_applied',
  'cancellation_scheduled',
  'reactivated',
  'canceled',
] as const;
export type SubscriptionEventType = (typeof SUBSCRIPTION_EVENT_TYPES)[number];

/** One lifecycle event, stored as its own record (history, export). */
export interface SubscriptionEvent {
  readonly id: string;
  readonly orgId: string;
  readonly subscriptionId: string;
  readonly type: SubscriptionEventType;
  /** When it was recorded. */
  readonly at: string;
  /** When it takes (or took) effect: `at` for immediate changes, the boundary for scheduled ones. */
  readonly effectiveAt: string;
  readonly actor: Actor;
  readonly from?: Terms;
  readonly to?: Terms;
  /** True when the event changed the billing model (flat ↔ metered). */
  readonly modelSwitched?: boolean;
  /** Why a cancellation happened when it was not the customer's choice: `non_payment` (dunning). */
  readonly reason?: 'non_payment';
}

export type EventDraft = Omit<SubscriptionEvent, 'id' | 'orgId' | 'subscriptionId' | 'at' | 'actor'> & {
  /** Events applied by `settle` are the system's doing, not the caller's. */
  readonly bySystem?: boolean;
};

/** A pending money line for the next invoice (proration, first short period, cancellation credit). */
export const ADJUSTMENT_KINDS = [
  'first_period_fee',
  'proration_credit',
  'proration_charge',
  'cancellation_credit',
] as const;
export type AdjustmentKind = (typeof ADJUSTMENT_KINDS)[number];

export interface AdjustmentLine {
  readonly kind: AdjustmentKind;
  readonly description: string;
  readonly planId: string;
  readonly planVersion: number;
  readonly billingModel: BillingModel;
  readonly currency: Currency;
  readonly periodKey: string;
  /** [from, to) the line covers. */
  readonly from: string;
  readonly to: string;
  /** Exact fraction of the period (remaining ms / period ms), as a decimal string. */
  readonly fraction: string;
  readonly fullAmountMinor: number;
  /** Exact amount before the line's one rounding (decimal string, minor units). */
  readonly preciseAmountMinor: string;
  /** Negative for credits. */
  readonly amountMinor: number;
}

export const termsOf = (s: Pick<Subscription, 'planId' | 'planVersion' | 'billingModel' | 'currency'>): Terms => ({
  planId: s.planId,
  planVersion: s.planVersion,
  billingModel: s.billingModel,
  currency: s.currency,
});

export const sameTerms = (a: Terms, b: Terms): boolean =>
  a.planId === b.planId &&
  a.planVersion === b.planVersion &&
  a.billingModel === b.billingModel &&
  a.currency === b.currency;

export function planVersionOf(terms: Pick<Terms, 'planId' | 'planVersion'>): PlanVersion {
  const plan = findPlanVersion(terms.planId, terms.planVersion);
  if (!plan) throw new Error(`plan ${terms.planId} v${terms.planVersion} is not in the catalog`);
  return plan;
}

/** The flat fee one full period costs under these terms: only the flat model carries one. */
export function recurringFeeMinor(terms: Terms): number {
  if (terms.billingModel !== 'flat') return 0;
  return planVersionOf(terms).prices[terms.currency]?.flatFeeMinor ?? 0;
}

/** Free is the only plan that needs no way to pay; everything else is paid. */
export const isPaid = (terms: Pick<Terms, 'planId' | 'billingModel'>): boolean => terms.billingModel !== 'free';

/** The period a subscription is in at `at`: the calendar month, cut at the start of a mid-month start. */
export function currentPeriod(s: Pick<Subscription, 'startedAt'>, at: Date): Period {
  const month = periodOf(at);
  const started = new Date(s.startedAt);
  return started > month.start ? { ...month, start: started } : month;
}

/**
 * Checks that `terms` can be sold: self-serve, the billing model offered, priced in the currency, and a
 * metered price there when the model is metered. Each failure has its own stable code.
 */
export function assertSellable(terms: Terms): PlanVersion {
  const plan = findPlanVersion(terms.planId, terms.planVersion);
  if (!plan) throw businessRule('plan_not_found', `there is no plan ${terms.planId}`);
  if (!plan.selfServe) {
    throw businessRule('plan_not_self_serve', `${plan.name} is activated by a signed contract, not bought self-serve`);
  }
  if (!plan.billingModels.includes(terms.billingModel)) {
    throw businessRule(
      'billing_model_not_offered',
      `${plan.name} is sold as ${plan.billingModels.join(' or ')}, not ${terms.billingModel}`,
      { billing_models: plan.billingModels },
    );
  }
  const sheet = plan.prices[terms.currency];
  if (!sheet) {
    throw businessRule('currency_not_offered', `${plan.name} (v${plan.version}) has no price in ${terms.currency}`, {
      currencies: Object.keys(plan.prices),
    });
  }
  if (terms.billingModel === 'metered' && !sheet.metered?.length) {
    throw businessRule('metered_price_missing', `${plan.name} has no metered price in ${terms.currency}`);
  }
  return plan;
}

export type ChangeKind = 'upgrade' | 'downgrade' | 'model_switch' | 'version_move' | 'none';

/**
 * What a plan change is. Across plans the tier decides: a higher tier is an upgrade (now), a lower one
 * a downgrade (at the period end). Within a plan, a billing-model switch or a move to the plan's newer
 * version takes effect now. A change is a purchase (freeze-gated, needs a payment method) when it is an
 * upgrade or makes the recurring fee dearer (metered → flat).
 */
export function classifyChange(from: Terms, to: Terms): { kind: ChangeKind; purchase: boolean } {
  const byRank = PLAN_RANK.indexOf(to.planId) - PLAN_RANK.indexOf(from.planId);
  if (byRank > 0) return { kind: 'upgrade', purchase: true };
  if (byRank < 0) return { kind: 'downgrade', purchase: false };
  const dearer = recurringFeeMinor(to) > recurringFeeMinor(from);
  if (from.planId !== to.planId) return { kind: 'version_move', purchase: dearer };
  if (from.billingModel !== to.billingModel) return { kind: 'model_switch', purchase: dearer };
  if (from.planVersion !== to.planVersion) return { kind: 'version_move', purchase: dearer };
  return { kind: 'none', purchase: false };
}

/** Exact fraction of the calendar month left at `at`: (end − at) / (end − start), in milliseconds. */
export function remainingFraction(at: Date): { period: Period; fraction: Dec } {
  const period = periodOf(at);
  const length = period.end.getTime() - period.start.getTime();
  return { period, fraction: new Dec(period.end.getTime() - at.getTime()).div(length) };
}

/**
 * One pro-rata line: `sign × fee × fraction`, rounded once (half away from zero). Zero-fee lines are
 * not written (free or metered terms carry no flat fee).
 */
export function proratedLine(
  kind: AdjustmentKind,
  terms: Terms,
  at: Date,
  sign: 1 | -1,
  description: string,
): AdjustmentLine | undefined {
  const fee = recurringFeeMinor(terms);
  if (fee === 0) return undefined;
  const { period, fraction } = remainingFraction(at);
  const precise = new Dec(fee).mul(fraction).mul(sign);
  return {
    kind,
    description,
    planId: terms.planId,
    planVersion: terms.planVersion,
    billingModel: terms.billingModel,
    currency: terms.currency,
    periodKey: period.key,
    from: at.toISOString(),
    to: period.end.toISOString(),
    fraction: fraction.toString(),
    fullAmountMinor: fee,
    preciseAmountMinor: precise.toString(),
    amountMinor: roundMinor(precise),
  };
}

/** The boundary changes requested at `at` fall on: the end of the calendar month. */
export const boundaryAfter = (at: Date): string => periodOf(at).end.toISOString();

/** The earliest pending change's boundary, if any (they share one: the end of the period requested in). */
export function nextChangeAt(s: Subscription): string | undefined {
  if (s.status !== 'active') return undefined;
  const times = [
    s.cancelAtPeriodEnd ? s.cancelAt : undefined,
    s.pendingPlan?.effectiveAt,
    s.pendingCurrency?.effectiveAt,
  ]
    .filter((t): t is string => t !== undefined)
    .sort();
  return times[0];
}

export const hasPendingChanges = (s: Subscription): boolean => nextChangeAt(s) !== undefined;

/**
 * Applies every pending change due at or before `at`, in the order they take effect (plan, then
 * currency, then cancellation at the same boundary). Pure and idempotent: settling a settled
 * subscription returns it unchanged with no events.
 */
export function settle(s: Subscription, at: Date): { subscription: Subscription; events: EventDraft[] } {
  const events: EventDraft[] = [];
  let next = s;
  const due = (when: string | undefined) => when !== undefined && new Date(when).getTime() <= at.getTime();
  if (next.status !== 'active') return { subscription: next, events };
  if (next.pendingPlan && due(next.pendingPlan.effectiveAt)) {
    const p = next.pendingPlan;
    const to: Terms = { ...termsOf(next), planId: p.planId, planVersion: p.planVersion, billingModel: p.billingModel };
    events.push({
      type: 'downgrade_applied',
      effectiveAt: p.effectiveAt,
      from: termsOf(next),
      to,
      bySystem: true,
      ...(to.billingModel !== next.billingModel ? { modelSwitched: true } : {}),
    });
    const { pendingPlan: _applied, ...rest } = next;
    next = { ...rest, planId: p.planId, planVersion: p.planVersion, billingModel: p.billingModel };
  }
  if (next.pendingCurrency && due(next.pendingCurrency.effectiveAt)) {
    const c = next.pendingCurrency;
    events.push({
      type: 'currency_switch_applied',
      effectiveAt: c.effectiveAt,
      from: termsOf(next),
      to: { ...termsOf(next), currency: c.currency },
      bySystem: true,
    });
    const { pendingCurrency: _applied, ...rest } = next;
    next = { ...rest, currency: c.currency };
  }
  if (next.cancelAtPeriodEnd && due(next.cancelAt)) {
    const when = next.cancelAt as string;
    events.push({ type: 'canceled', effectiveAt: when, from: termsOf(next), bySystem: true });
    const { pendingPlan: _p, pendingCurrency: _c, ...rest } = next;
    next = { ...rest, status: 'canceled', canceledAt: when };
  }
  return { subscription: next, events };
}

/**
 * The terms the org will be on from the subscription's next boundary (all pending changes applied), or
 * undefined when nothing is pending. Used to keep the future terms segment in step with the
 * subscription, so the terms reader answers for any instant without waiting for the rollup.
 */
export function termsAfterBoundary(
  s: Subscription,
  freeFallback: (currency: Currency) => Terms,
): { at: string; terms: Terms } | undefined {
  const at = nextChangeAt(s);
  if (!at) return undefined;
  const settled = settle(s, new Date(at)).subscription;
  return { at, terms: settled.status === 'active' ? termsOf(settled) : freeFallback(settled.currency) };
}
