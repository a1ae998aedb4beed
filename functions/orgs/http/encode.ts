import type { AuditEntry } from '../../kernel/audit';
import type { Currency } from '../../kernel/money';
import type { Org } from '../../kernel/org';
import type { Meter, PlanVersion } from '../../kernel/pricing/plans';
import type { BillingStatusView } from '../app/get-billing-status';

/** Domain (camelCase) → wire (snake_case). The shapes are the response schemas in contract/core.ts. */
export const encodeOrg = (org: Org) => ({
  id: org.id,
  name: org.name,
  default_currency: org.defaultCurrency,
  created_at: org.createdAt,
  updated_at: org.updatedAt,
  version: org.version,
});

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

export const encodeBillingStatus = (s: BillingStatusView) => ({
  org_id: s.orgId,
  dunning_state: s.dunningState,
  dunning_entered_at: s.dunningEnteredAt,
  freeze_reasons: [...s.freezeReasons],
  new_spend_allowed: s.newSpendAllowed,
  disputes: s.disputes.map((d) => ({
    id: d.id,
    status: d.status,
    amount_minor: d.amountMinor,
    currency: d.currency,
    ...(d.reason ? { reason: d.reason } : {}),
    opened_at: d.openedAt,
    ...(d.closedAt ? { closed_at: d.closedAt } : {}),
  })),
  updated_at: s.updatedAt,
});

export const encodeAudit = (e: AuditEntry) => ({
  id: e.id,
  at: e.at,
  actor: e.actor,
  action: e.action,
  target: e.target,
  before: e.before,
  after: e.after,
  ...(e.requestId ? { request_id: e.requestId } : {}),
});

export const encodePage = <T, W>(page: { data: T[]; nextCursor: string | null }, encode: (t: T) => W) => ({
  data: page.data.map(encode),
  next_cursor: page.nextCursor,
});
