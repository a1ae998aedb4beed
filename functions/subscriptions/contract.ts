import * as z from 'zod';
import { CurrencyCode, DecimalString, IsoTimestamp, MinorUnits, OrgPath } from '../kernel/http/contract';
import { BILLING_MODELS, METERS } from '../kernel/pricing/plans';
import { ADJUSTMENT_KINDS, SUBSCRIPTION_EVENT_TYPES } from './domain/subscription';

/** Subscription routes. Writes accept `If-Match: "<version>"` (the `version` last read) to refuse lost updates. */
const PlanId = z.string().trim().min(1).max(64);
const BillingModelField = z.enum(BILLING_MODELS);

export const CreateSubscriptionRequest = z.strictObject({
  plan_id: PlanId,
  currency: CurrencyCode,
  billing_model: BillingModelField.optional(),
});

export const ChangeSubscriptionRequest = z
  .strictObject({
    plan_id: PlanId.optional(),
    billing_model: BillingModelField.optional(),
    /** Only `false`: undoes a cancellation scheduled for the period end (reactivation). */
    cancel_at_period_end: z.literal(false).optional(),
  })
  .refine((b) => b.plan_id !== undefined || b.billing_model !== undefined || b.cancel_at_period_end !== undefined, {
    message: 'name a plan_id, a billing_model, or cancel_at_period_end: false',
  });

export const CancelSubscriptionRequest = z.strictObject({ at_period_end: z.boolean() });
export const SwitchCurrencyRequest = z.strictObject({ currency: CurrencyCode });

const TermsWire = z.object({
  plan_id: z.string(),
  plan_version: z.number().int(),
  billing_model: BillingModelField,
  currency: z.string(),
});

const PendingChange = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('downgrade'),
    effective_at: IsoTimestamp,
    plan_id: z.string(),
    plan_version: z.number().int(),
    billing_model: BillingModelField,
  }),
  z.object({ type: z.literal('currency_switch'), effective_at: IsoTimestamp, currency: z.string() }),
  z.object({ type: z.literal('cancellation'), effective_at: IsoTimestamp }),
]);

export const AdjustmentResponse = z.object({
  id: z.string(),
  kind: z.enum(ADJUSTMENT_KINDS),
  description: z.string(),
  plan_id: z.string(),
  plan_version: z.number().int(),
  billing_model: BillingModelField,
  period: z.string(),
  from: IsoTimestamp,
  to: IsoTimestamp,
  fraction: DecimalString,
  full_amount_minor: MinorUnits,
  precise_amount_minor: DecimalString,
  amount_minor: MinorUnits,
  currency: z.string(),
  created_at: IsoTimestamp,
});

export const SubscriptionEventResponse = z.object({
  id: z.string(),
  type: z.enum(SUBSCRIPTION_EVENT_TYPES),
  at: IsoTimestamp,
  effective_at: IsoTimestamp,
  actor: z.object({ type: z.string(), id: z.string(), role: z.string().optional() }),
  subscription_id: z.string(),
  from: TermsWire.nullable(),
  to: TermsWire.nullable(),
  model_switched: z.boolean(),
  reason: z.enum(['non_payment']).nullable().describe('why a cancellation was not the customer’s choice'),
});

export const SubscriptionResponse = z.object({
  id: z.string().nullable(),
  org_id: z.string(),
  status: z.enum(['active', 'canceled', 'none']),
  plan_id: z.string(),
  plan_version: z.number().int(),
  plan_name: z.string(),
  billing_model: BillingModelField,
  currency: z.string(),
  flat_fee: z.object({ amount_minor: MinorUnits, currency: z.string() }),
  current_period: z.object({ start: IsoTimestamp, end: IsoTimestamp }),
  cancel_at_period_end: z.boolean(),
  cancel_at: IsoTimestamp.nullable(),
  canceled_at: IsoTimestamp.nullable(),
  started_at: IsoTimestamp.nullable(),
  pending_changes: z.array(PendingChange),
  created_at: IsoTimestamp.nullable(),
  updated_at: IsoTimestamp.nullable(),
  version: z.number().int(),
});

export const SubscriptionChangeResponse = SubscriptionResponse.extend({ adjustments: z.array(AdjustmentResponse) });

export const UsageSummaryWire = z.object({
  period: z.string(),
  currency: z.string(),
  as_of: IsoTimestamp,
  meters: z.array(
    z.object({ meter: z.string(), model: z.string().optional(), quantity: z.number(), amount_minor: MinorUnits }),
  ),
  total: z.object({ amount_minor: MinorUnits, currency: z.string() }),
});

export const SubscriptionDetailResponse = SubscriptionResponse.extend({
  /** What usage is rated under right now (the free plan when there is no active subscription). */
  terms_now: TermsWire,
  usage_summary: UsageSummaryWire,
  pending_adjustments: z.array(AdjustmentResponse),
  history: z.array(SubscriptionEventResponse),
});

/** The plan catalog (`GET /v1/plans`): what the subscriptions capability sells. */
const Allowance = z.object({
  llm_tokens: z.number().int().optional(),
  tool_invocations: z.number().int().optional(),
  agent_runs: z.number().int().optional(),
});
export const PlanResponse = z.object({
  id: z.string(),
  version: z.number().int(),
  name: z.string(),
  description: z.string(),
  billing_models: z.array(z.enum(BILLING_MODELS)),
  default_billing_model: z.enum(BILLING_MODELS),
  self_serve: z.boolean(),
  /**
   * Position in the self-serve tiers, cheapest first: moving to a higher rank is an upgrade (now,
   * prorated), to a lower one a downgrade (at the period end). Lets a client state the consequence
   * before it asks.
   */
  tier_rank: z.number().int(),
  currencies: z.array(z.string()),
  prices: z.record(
    z.string(),
    z.object({
      flat_fee: z.object({ amount_minor: MinorUnits, currency: z.string() }),
      metered: z
        .array(
          z.object({
            meter: z.enum(METERS),
            model: z.string().optional(),
            /** Token meters: which side of the model call the price is for. */
            direction: z.enum(['input', 'output', 'cached_input']).optional(),
            unit: z.enum(['token', 'invocation', 'run']),
            /** Minor units per unit (Stripe's unit_amount_decimal). */
            unit_amount_decimal: DecimalString,
            tiers: z
              .array(z.object({ up_to: z.number().int().nullable(), unit_amount_decimal: DecimalString }))
              .optional(),
          }),
        )
        .nullable(),
    }),
  ),
  included_usage: Allowance,
  hard_limits: Allowance.nullable(),
  effective_from: IsoTimestamp,
});
export const PlanList = z.object({ data: z.array(PlanResponse) });

export const SUBSCRIPTIONS_CONTRACT = {
  listPlans: { responses: { 200: PlanList } },
  getSubscription: { params: OrgPath, responses: { 200: SubscriptionDetailResponse } },
  createSubscription: {
    params: OrgPath,
    body: CreateSubscriptionRequest,
    responses: { 201: SubscriptionChangeResponse },
  },
  changeSubscription: {
    params: OrgPath,
    body: ChangeSubscriptionRequest,
    responses: { 200: SubscriptionChangeResponse },
  },
  cancelSubscription: {
    params: OrgPath,
    body: CancelSubscriptionRequest,
    responses: { 200: SubscriptionChangeResponse },
  },
  switchCurrency: { params: OrgPath, body: SwitchCurrencyRequest, responses: { 200: SubscriptionChangeResponse } },
} as const;

export const AdjustmentRecord = AdjustmentResponse.extend({
  status: z.enum(['pending', 'invoiced']),
  invoice_id: z.string().nullable().describe('the invoice that billed the line'),
  invoiced_at: IsoTimestamp.nullable(),
});

export const TermsSegmentWire = z.object({
  from: IsoTimestamp.describe('these terms are in force from this instant until the next segment'),
  plan_id: z.string(),
  plan_version: z.number().int(),
  billing_model: BillingModelField,
  currency: z.string(),
  contract: z
    .object({ id: z.string(), version: z.number().int(), year: z.number().int() })
    .nullable()
    .describe('the enterprise contract (version, contract year) in force, if any'),
});

/** The sections of the billing export this capability contributes, with their schemas. */
export const SUBSCRIPTIONS_EXPORT_SECTIONS = {
  plan_versions: PlanResponse,
  subscription: SubscriptionResponse.nullable(),
  terms_timeline: TermsSegmentWire,
  subscription_history: SubscriptionEventResponse,
  subscription_adjustments: AdjustmentRecord,
} as const;
