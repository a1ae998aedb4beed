import * as z from 'zod';
import {
  CurrencyCode,
  DecimalString,
  IsoTimestamp,
  ListQuery,
  listOf,
  MinorUnits,
  OrgPath,
} from '../kernel/http/contract';
import { METERS } from '../kernel/pricing/plans';
import { BUDGET_ACTIONS, BUDGET_SCOPES } from './domain/budgets';

/** HTTP contract of the usage capability: summary, report, costs, forecast, rejected, budgets, entitlement. */
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC day, YYYY-MM-DD');
const GROUP_KEYS = ['meter', 'model', 'agent', 'connection', 'day'] as const;
const GroupBy = z
  .string()
  .optional()
  .transform((s) => (s ? s.split(',').map((p) => p.trim()) : []))
  .pipe(z.array(z.enum(GROUP_KEYS)));
export const RangeQuery = z.object({
  from: Day.optional().describe('first UTC day, inclusive (default: the current period start)'),
  to: Day.optional().describe('last UTC day, exclusive (default: tomorrow)'),
  group_by: GroupBy.describe('comma-separated: meter, model, agent, connection, day (agent and connection exclusive)'),
});

const PeriodWire = z.object({ key: z.string(), start: IsoTimestamp, end: IsoTimestamp });
const Allowance = z.object({
  llm_tokens: z.number().int().optional(),
  tool_invocations: z.number().int().optional(),
  agent_runs: z.number().int().optional(),
});

export const UsageSummaryResponse = z.object({
  org_id: z.string(),
  period: PeriodWire,
  as_of: IsoTimestamp,
  last_counted_at: IsoTimestamp.nullable(),
  events_counted: z.number().int(),
  plan: z.object({ id: z.string(), version: z.number().int(), billing_model: z.string() }),
  currency: z.string(),
  stretches: z
    .array(
      z.object({
        from: IsoTimestamp,
        to: IsoTimestamp.nullable(),
        plan: z.object({ id: z.string(), version: z.number().int(), billing_model: z.string() }),
        currency: z.string(),
        amount_minor: MinorUnits,
      }),
    )
    .describe(
      'the period so far in stretches under one set of terms each (a plan or model switch starts a new one), oldest first',
    ),
  lines: z.array(
    z.object({
      terms_from: IsoTimestamp.describe('the stretch this line is rated in (its `from`)'),
      meter: z.enum(METERS),
      model: z.string().nullable(),
      quantity: z.number().int(),
      included_quantity: z.number().int(),
      billable_quantity: z.number().int(),
      priced: z.boolean(),
      precise_amount_minor: DecimalString,
      amount_minor: MinorUnits,
    }),
  ),
  by_meter: z.array(z.object({ meter: z.enum(METERS), quantity: z.number().int(), amount_minor: MinorUnits })),
  total: z.object({ amount_minor: MinorUnits, currency: z.string() }),
  included_remaining: Allowance,
});

const GroupWire = {
  meter: z.enum(METERS).optional(),
  model: z.string().optional(),
  agent_id: z.string().optional(),
  connection_id: z.string().optional(),
  day: Day.optional(),
};
export const UsageReportResponse = z.object({
  from: Day,
  to: Day,
  group_by: z.array(z.string()),
  rows: z.array(z.object({ ...GroupWire, quantity: z.number().int() })),
});
export const CostsResponse = z.object({
  from: Day,
  to: Day,
  group_by: z.array(z.string()),
  rows: z.array(z.object({ ...GroupWire, currency: z.string(), amount_minor: MinorUnits })),
  totals: z.array(z.object({ currency: z.string(), amount_minor: MinorUnits })),
});

export const ForecastResponse = z.object({
  period: PeriodWire,
  as_of: IsoTimestamp,
  currency: z.string(),
  method: z.literal('linear_run_rate'),
  method_description: z.string(),
  elapsed_fraction: DecimalString,
  spent_minor: MinorUnits,
  projected_minor: MinorUnits,
  low_minor: MinorUnits,
  high_minor: MinorUnits,
  range_basis: z.enum(['full_days', 'point_estimate']),
  budgets: z.array(
    z.object({
      budget_id: z.string(),
      limit_minor: MinorUnits,
      spent_minor: MinorUnits,
      projected_minor: MinorUnits,
      exhausted_at: IsoTimestamp.nullable(),
    }),
  ),
});

export const RejectedUsageResponse = z.object({
  event_id: z.string().nullable(),
  reason: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
  payload: z.unknown(),
  message_id: z.string(),
  position: z.number().int(),
  sent_at: IsoTimestamp,
  rejected_at: IsoTimestamp,
});

const Scope = z.object({ kind: z.enum(BUDGET_SCOPES), id: z.string().min(1).max(128).optional() });
export const BudgetInputWire = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
  name: z.string().trim().min(1).max(200).optional(),
  scope: Scope,
  amount_minor: MinorUnits.refine((n) => n > 0, 'must be positive'),
  currency: CurrencyCode.optional(),
  thresholds: z.array(z.number().int().min(1).max(1000)).min(1).max(10).optional(),
  action: z.enum(BUDGET_ACTIONS),
});
export const PutBudgetsRequest = z.strictObject({
  budgets: z.array(BudgetInputWire).max(50),
  expected_version: z.number().int().min(0).optional(),
});
const LimitWire = z.object({
  id: z.string(),
  kind: z.enum(['budget', 'quota']),
  action: z.enum(BUDGET_ACTIONS),
  scope: Scope,
  unit: z.string().describe('a currency for budgets (amounts in minor units), the allowance pool for quotas'),
  limit: z.number().int(),
  used: z.number().int(),
  remaining: z.number().int(),
  percent_used: z.number().int(),
  thresholds: z.array(z.number().int()),
  exhausted: z.boolean(),
  currency_mismatch: z.boolean().optional(),
});
export const BudgetsResponse = z.object({
  version: z.number().int(),
  updated_at: IsoTimestamp.nullable(),
  period: PeriodWire,
  currency: z.string(),
  budgets: z.array(
    z.object({
      id: z.string(),
      name: z.string().nullable(),
      scope: Scope,
      amount_minor: MinorUnits,
      currency: z.string(),
      thresholds: z.array(z.number().int()),
      action: z.enum(BUDGET_ACTIONS),
    }),
  ),
  status: z.array(LimitWire),
});
export const EntitlementQuery = z.object({
  agent_id: z.string().min(1).max(128).optional(),
  model: z.string().min(1).max(128).optional(),
  connection_id: z.string().min(1).max(128).optional(),
});
export const EntitlementResponse = z.object({
  allowed: z.boolean(),
  blocked_by: z.array(z.string()),
  period: PeriodWire,
  as_of: IsoTimestamp,
  currency: z.string(),
  limits: z.array(LimitWire),
});

export const USAGE_CONTRACT = {
  getUsageSummary: { params: OrgPath, responses: { 200: UsageSummaryResponse } },
  getUsageReport: {
    params: OrgPath,
    query: RangeQuery,
    responses: { 200: UsageReportResponse },
    alsoProduces: ['text/csv'],
  },
  getCosts: { params: OrgPath, query: RangeQuery, responses: { 200: CostsResponse }, alsoProduces: ['text/csv'] },
  getUsageForecast: { params: OrgPath, responses: { 200: ForecastResponse } },
  listRejectedUsage: { params: OrgPath, query: ListQuery, responses: { 200: listOf(RejectedUsageResponse) } },
  getBudgets: { params: OrgPath, responses: { 200: BudgetsResponse } },
  putBudgets: { params: OrgPath, body: PutBudgetsRequest, responses: { 200: BudgetsResponse } },
  getEntitlement: { params: OrgPath, query: EntitlementQuery, responses: { 200: EntitlementResponse } },
} as const;

const BudgetWire = BudgetsResponse.shape.budgets.element;

export const UsagePeriodExport = z.object({
  period: PeriodWire,
  currency: z.string(),
  events_counted: z.number().int(),
  stretches: z.array(
    z.object({
      from: IsoTimestamp,
      to: IsoTimestamp.nullable(),
      plan: z.object({ id: z.string(), version: z.number().int(), billing_model: z.string() }),
      currency: z.string(),
      contract: z.object({ id: z.string(), version: z.number().int(), year: z.number().int() }).nullable(),
      amount_minor: MinorUnits,
    }),
  ),
  lines: UsageSummaryResponse.shape.lines.describe('per stretch × meter × model, rated as the summary rates them'),
  total: z.object({ amount_minor: MinorUnits, currency: z.string() }),
  days: z
    .array(z.object({ day: Day, meter: z.enum(METERS), model: z.string().nullable(), quantity: z.number().int() }))
    .describe('quantities per UTC day × meter × model'),
});

export const BudgetSetExport = z.object({
  version: z.number().int(),
  updated_at: IsoTimestamp.nullable(),
  budgets: z.array(BudgetWire),
  notified: z
    .array(z.object({ period: z.string(), alerts: z.array(z.string().describe('<budget or quota id>:<threshold>')) }))
    .describe('per period, the thresholds already notified (each once)'),
});

/** The sections of the billing export this capability contributes, with their schemas. */
export const USAGE_EXPORT_SECTIONS = {
  usage_periods: UsagePeriodExport,
  quarantined_usage_events: RejectedUsageResponse,
  budgets: BudgetSetExport,
} as const;
