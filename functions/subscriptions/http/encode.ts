import { validation } from '../../kernel/errors';
import type { Currency } from '../../kernel/money';
import type { Period } from '../../kernel/period';
import { type Meter, PLAN_RANK, type PlanVersion } from '../../kernel/pricing/plans';
import type { UsageSummaryView } from '../../usage/ports';
import type { SubscriptionView } from '../app/get-subscription';
import type { SubscriptionChange } from '../app/subscription-common';
import {
  currentPeriod,
  planVersionOf,
  recurringFeeMinor,
  type Subscription,
  type SubscriptionEvent,
  type Terms,
} from '../domain/subscription';
import type { PendingAdjustment, TermsSegment } from '../ports';

/** Domain → wire (snake_case) for the subscription routes; shapes are contract/subscriptions.ts. */
export const encodeTerms = (t: Terms) => ({
  plan_id: t.planId,
  plan_version: t.planVersion,
  billing_model: t.billingModel,
  currency: t.currency,
});

function pendingChanges(s: Subscription) {
  if (s.status !== 'active') return [];
  return [
    ...(s.pendingPlan
      ? [
          {
            type: 'downgrade' as const,
            effective_at: s.pendingPlan.effectiveAt,
            plan_id: s.pendingPlan.planId,
            plan_version: s.pendingPlan.planVersion,
            billing_model: s.pendingPlan.billingModel,
          },
        ]
      : []),
    ...(s.pendingCurrency
      ? [
          {
            type: 'currency_switch' as const,
            effective_at: s.pendingCurrency.effectiveAt,
            currency: s.pendingCurrency.currency,
          },
        ]
      : []),
    ...(s.cancelAtPeriodEnd && s.cancelAt ? [{ type: 'cancellation' as const, effective_at: s.cancelAt }] : []),
  ];
}

const encodePeriod = (p: Pick<Period, 'start' | 'end'>) => ({ start: p.start.toISOString(), end: p.end.toISOString() });

export function encodeSubscription(s: Subscription, now: Date) {
  return {
    id: s.id,
    org_id: s.orgId,
    status: s.status,
    plan_id: s.planId,
    plan_version: s.planVersion,
    plan_name: planVersionOf(s).name,
    billing_model: s.billingModel,
    currency: s.currency,
    flat_fee: { amount_minor: recurringFeeMinor(s), currency: s.currency },
    current_period: encodePeriod(currentPeriod(s, now)),
    cancel_at_period_end: s.cancelAtPeriodEnd,
    cancel_at: s.cancelAt ?? null,
    canceled_at: s.canceledAt ?? null,
    started_at: s.startedAt,
    pending_changes: pendingChanges(s),
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    version: s.version,
  };
}

export const encodeAdjustment = (a: PendingAdjustment) => ({
  id: a.id,
  kind: a.kind,
  description: a.description,
  plan_id: a.planId,
  plan_version: a.planVersion,
  billing_model: a.billingModel,
  period: a.periodKey,
  from: a.from,
  to: a.to,
  fraction: a.fraction,
  full_amount_minor: a.fullAmountMinor,
  precise_amount_minor: a.preciseAmountMinor,
  amount_minor: a.amountMinor,
  currency: a.currency,
  created_at: a.createdAt,
});

export const encodeEvent = (e: SubscriptionEvent) => ({
  id: e.id,
  type: e.type,
  at: e.at,
  effective_at: e.effectiveAt,
  actor: e.actor,
  subscription_id: e.subscriptionId,
  from: e.from ? encodeTerms(e.from) : null,
  to: e.to ? encodeTerms(e.to) : null,
  model_switched: e.modelSwitched ?? false,
  reason: e.reason ?? null,
});

export const encodeChange = (c: SubscriptionChange, now: Date) => ({
  ...encodeSubscription(c.subscription, now),
  adjustments: c.adjustments.map(encodeAdjustment),
});

const encodeUsage = (u: UsageSummaryView) => ({
  period: u.periodKey,
  currency: u.currency,
  as_of: u.asOf,
  meters: u.meters.map((m) => ({
    meter: m.meter,
    ...(m.model ? { model: m.model } : {}),
    quantity: m.quantity,
    amount_minor: m.amountMinor,
  })),
  total: { amount_minor: u.totalMinor, currency: u.currency },
});

export function encodeSubscriptionDetail(orgId: string, v: SubscriptionView, now: Date) {
  const base = v.subscription
    ? encodeSubscription(v.subscription, now)
    : {
        // No subscription: the org is on the free tier in its default currency.
        id: null,
        org_id: orgId,
        status: 'none' as const,
        plan_id: v.termsNow.planId,
        plan_version: v.termsNow.planVersion,
        plan_name: planVersionOf(v.termsNow).name,
        billing_model: v.termsNow.billingModel,
        currency: v.termsNow.currency,
        flat_fee: { amount_minor: 0, currency: v.termsNow.currency },
        current_period: encodePeriod(v.currentPeriod),
        cancel_at_period_end: false,
        cancel_at: null,
        canceled_at: null,
        started_at: null,
        pending_changes: [],
        created_at: null,
        updated_at: null,
        version: 0,
      };
  return {
    ...base,
    terms_now: encodeTerms(v.termsNow),
    usage_summary: encodeUsage(v.usageSummary),
    pending_adjustments: v.pendingAdjustments.map(encodeAdjustment),
    history: v.history.map(encodeEvent),
  };
}

/** `If-Match: "3"` (or `3`) → 3; absent → undefined. */
export function expectedVersionFrom(headers: Readonly<Record<string, string | undefined>>): number | undefined {
  const raw = headers['if-match'];
  if (raw === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(raw);
  if (!match) throw validation('invalid_if_match', 'If-Match must be the subscription version, e.g. "3"');
  return Number(match[1]);
}

/** The plan catalog: the shape is `PlanResponse` in subscriptions/contract.ts. */
const encodeAllowance = (a: PlanVersion['included']) => ({ ...a });

/** Token prices are per model and direction; the direction is spelled out so clients need not parse meter names. */
const TOKEN_DIRECTIONS: Partial<Record<Meter, 'input' | 'output' | 'cached_input'>> = {
  llm_input_tokens: 'input',
  llm_output_tokens: 'output',
  llm_cached_input_tokens: 'cached_input',
};
const UNITS: Record<Meter, 'token' | 'invocation' | 'run'> = {
  llm_input_tokens: 'token',
  llm_output_tokens: 'token',
  llm_cached_input_tokens: 'token',
  tool_invocations: 'invocation',
  agent_runs: 'run',
};

export const encodePlan = (plan: PlanVersion) => ({
  id: plan.id,
  version: plan.version,
  name: plan.name,
  description: plan.description,
  billing_models: [...plan.billingModels],
  default_billing_model: plan.defaultBillingModel,
  self_serve: plan.selfServe,
  tier_rank: PLAN_RANK.indexOf(plan.id),
  currencies: Object.keys(plan.prices),
  prices: Object.fromEntries(
    Object.entries(plan.prices).map(([currency, sheet]) => [
      currency,
      {
        flat_fee: { amount_minor: sheet.flatFeeMinor, currency: currency as Currency },
        metered:
          sheet.metered?.map((m) => ({
            meter: m.meter,
            ...(m.model ? { model: m.model } : {}),
            ...(TOKEN_DIRECTIONS[m.meter] ? { direction: TOKEN_DIRECTIONS[m.meter] } : {}),
            unit: UNITS[m.meter],
            unit_amount_decimal: m.unitAmountDecimal,
            ...(m.tiers
              ? { tiers: m.tiers.map((t) => ({ up_to: t.upTo, unit_amount_decimal: t.unitAmountDecimal })) }
              : {}),
          })) ?? null,
      },
    ]),
  ),
  included_usage: encodeAllowance(plan.included),
  hard_limits: plan.hardLimits ? encodeAllowance(plan.hardLimits) : null,
  effective_from: plan.effectiveFrom,
});

/** An adjustment line with what became of it (the billing export lists pending and invoiced ones). */
export const encodeAdjustmentRecord = (a: PendingAdjustment) => ({
  ...encodeAdjustment(a),
  status: a.status,
  invoice_id: a.invoiceId ?? null,
  invoiced_at: a.invoicedAt ?? null,
});

/** One segment of the terms timeline: these terms from `from` on (under a contract when `contract` is set). */
export const encodeTermsSegment = (s: TermsSegment) => ({
  from: s.from,
  plan_id: s.terms.planId,
  plan_version: s.terms.planVersion,
  billing_model: s.terms.billingModel,
  currency: s.terms.currency,
  contract: s.terms.contract
    ? { id: s.terms.contract.id, version: s.terms.contract.version, year: s.terms.contract.year }
    : null,
});
