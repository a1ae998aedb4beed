import { z } from 'zod';
import { DUNNING_STATES } from '../kernel/billing-status';
import {
  CurrencyCode,
  DecimalString,
  IsoTimestamp,
  ListQuery,
  listOf,
  MinorUnits,
  OrgPath,
} from '../kernel/http/contract';
import { BILLING_MODELS, METERS } from '../kernel/pricing/plans';

export const HealthResponse = z.object({ status: z.literal('ok'), time: IsoTimestamp });

export const ProvisionOrgRequest = z.strictObject({
  name: z.string().trim().min(1).max(200),
  default_currency: CurrencyCode,
});
export const OrgResponse = z.object({
  id: z.string(),
  name: z.string(),
  default_currency: z.string(),
  created_at: IsoTimestamp,
  updated_at: IsoTimestamp,
  version: z.number().int(),
});

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

export const BillingStatusResponse = z.object({
  org_id: z.string(),
  dunning_state: z.enum(DUNNING_STATES),
  dunning_entered_at: IsoTimestamp.nullable(),
  freeze_reasons: z.array(z.string()),
  new_spend_allowed: z.boolean(),
  disputes: z.array(
    z.object({
      id: z.string(),
      status: z.string(),
      amount_minor: MinorUnits,
      currency: z.string(),
      reason: z.string().optional(),
      opened_at: IsoTimestamp,
      closed_at: IsoTimestamp.optional(),
    }),
  ),
  updated_at: IsoTimestamp,
});

export const AuditEntryResponse = z.object({
  id: z.string(),
  at: IsoTimestamp,
  actor: z.object({ type: z.enum(['user', 'service', 'system']), id: z.string(), role: z.string().optional() }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string() }),
  before: z.unknown(),
  after: z.unknown(),
  request_id: z.string().optional(),
});

export const CORE_CONTRACT = {
  getHealth: { responses: { 200: HealthResponse } },
  getOpenApi: { responses: { 200: z.record(z.string(), z.unknown()) } },
  provisionOrg: { params: OrgPath, body: ProvisionOrgRequest, responses: { 200: OrgResponse, 201: OrgResponse } },
  listPlans: { responses: { 200: PlanList } },
  getBillingStatus: { params: OrgPath, responses: { 200: BillingStatusResponse } },
  listAudit: { params: OrgPath, query: ListQuery, responses: { 200: listOf(AuditEntryResponse) } },
} as const;
