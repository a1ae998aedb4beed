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
import { WINDOWS } from './domain/windows';

/** HTTP contract of the usage capability: summary, report, costs, forecast, rejected, budgets, entitlement. */
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC day, YYYY-MM-DD');
const Instant = z.iso.datetime({ offset: true });
const RangeBound = z.string().refine((s) => Day.safeParse(s).success || Instant.safeParse(s).success, {
  message: 'a UTC day (YYYY-MM-DD) or an RFC 3339 instant (2026-11-26T17:00:00Z, or with an offset)',
});
const GROUP_KEYS = ['meter', 'model', 'agent', 'connection', 'day'] as const;
const GroupBy = z
  .string()
  .optional()
  .transform((s) => (s ? s.split(',').map((p) => p.trim()) : []))
  .pipe(z.array(z.enum(GROUP_KEYS)));
export const RangeQuery = z.object({
  from: RangeBound.optional().describe(
    'inclusive: a UTC day (its midnight) or an RFC 3339 instant on a whole hour (default: the current period start)',
  ),
  to: RangeBound.optional().describe('exclusive: a UTC day or an RFC 3339 instant on a whole hour (default: tomorrow)'),
  window: z
    .enum(WINDOWS)
    .optional()
    .describe(
      'adds window_start / window_end to every row: per hour, UTC day or billing period (calendar month), clipped to the range',
    ),
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
  dimension_overflow: z
    .array(
      z.object({
        dimension: z.enum(['agent', 'connection', 'model']),
        meter: z.enum(METERS),
        quantity: z.number().int(),
      }),
    )
    .describe(
      'usage counted under `~other` this period because the org exceeded a dimension bound (distinct agents, connections or unlisted models); totals still include it',
    ),
});

const GroupWire = {
  window_start: IsoTimestamp.optional().describe("with `window`: where the row's window starts (clipped to the range)"),
  window_end: IsoTimestamp.optional().describe('with `window`: where it ends, exclusive'),
  meter: z.enum(METERS).optional(),
  model: z.string().optional(),
  agent_id: z.string().optional(),
  connection_id: z.string().optional(),
  day: Day.optional(),
};
const RangeEcho = {
  from: z.string().describe('as asked: a day stays a day, an instant is given in UTC'),
  to: z.string(),
  window: z.enum(WINDOWS).nullable(),
  group_by: z.array(z.string()),
};
export const UsageReportResponse = z.object({
  ...RangeEcho,
  rows: z.array(z.object({ ...GroupWire, quantity: z.number().int() })),
});
export const CostsResponse = z.object({
  ...RangeEcho,
  rows: z.array(z.object({ ...GroupWire, currency: z.string(), amount_minor: MinorUnits })),
  totals: z.array(z.object({ currency: z.string(), amount_minor: MinorUnits })),
});

const Stat = DecimalString.describe('a statistic of the method, not an amount billed (4 decimals)');
export const ForecastResponse = z.object({
  period: PeriodWire,
  as_of: IsoTimestamp,
  currency: z.string(),
  method: z.literal('blended_burn_rate'),
  method_description: z.string(),
  elapsed_fraction: DecimalString,
  spent_minor: MinorUnits,
  projected_minor: MinorUnits.describe('the period total at the centre of the forecast'),
  low_minor: MinorUnits.describe('the 80 % interval, low end (never below spent_minor)'),
  high_minor: MinorUnits.describe('the 80 % interval, high end'),
  range_basis: z
    .enum(['observed_days', 'prior'])
    .describe(
      'observed_days: the interval comes from the observed day-to-day variability; prior: too few days yet, a ±50 % prior weighs in',
    ),
  interval: z.object({ level: z.number(), low_minor: MinorUnits, high_minor: MinorUnits }),
  inputs: z
    .object({
      since: IsoTimestamp.describe(
        'the burn rate is measured from here: the later of the period start and the current terms',
      ),
      observed_days: Stat,
      complete_days: z.number().int(),
      average_rate_minor_per_day: Stat.describe('period-to-date average, list value per day (deseasonalized)'),
      trailing_rate_minor_per_day: Stat.describe('the trailing 24 hours, list value per day (deseasonalized)'),
      trailing_weight: Stat.describe('how much the trailing rate moved the projected rate (0–1)'),
      rate_minor_per_day: Stat,
      noise_minor_per_day: Stat,
      weekend_factor: Stat,
      trend_minor_per_day_per_day: Stat,
      lag_days: Stat,
      remaining_days: Stat,
    })
    .describe('what the method saw and decided; list value = usage at list prices, before included usage and tiers'),
  budgets: z.array(
    z.object({
      budget_id: z.string(),
      limit_minor: MinorUnits,
      spent_minor: MinorUnits,
      projected_minor: MinorUnits,
      low_minor: MinorUnits,
      high_minor: MinorUnits,
      exhausted_at: IsoTimestamp.nullable().describe('when the budget runs out at the projection (now if it has)'),
      earliest_exhausted_at: IsoTimestamp.nullable().describe('the same at the interval’s high end'),
    }),
  ),
  commitments: z
    .array(
      z.object({
        commitment_id: z.string(),
        contract_id: z.string(),
        currency: z.string(),
        committed_minor: MinorUnits,
        term_end: IsoTimestamp,
        used_minor: MinorUnits,
        projected_minor: MinorUnits,
        low_minor: MinorUnits,
        high_minor: MinorUnits,
        shortfall_minor: MinorUnits,
      }),
    )
    .describe('committed spend of contracts in force, projected to the term end (empty until contracts exist)'),
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
const AnomalyPolicyWire = z.strictObject({
  enabled: z.boolean().optional(),
  multiple: z
    .number()
    .min(1.5)
    .max(100)
    .refine((n) => Number.isInteger(n * 100), 'at most two decimals')
    .optional()
    .describe('alert when an hour’s spend reaches this multiple of the baseline (default 5)'),
  baseline_hours: z.number().int().min(1).max(72).optional().describe('hours before the current one (default 24)'),
  min_hourly_spend_minor: MinorUnits.refine((n) => n >= 0, 'must not be negative')
    .optional()
    .describe('and at least this much in the hour (default about 5 USD in the org’s currency)'),
});
export const PutBudgetsRequest = z.strictObject({
  budgets: z.array(BudgetInputWire).max(50),
  expected_version: z.number().int().min(0).optional(),
  anomaly_policy: AnomalyPolicyWire.optional().describe('runaway alerts; omitted: unchanged'),
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
  anomaly_policy: z
    .object({
      enabled: z.boolean(),
      multiple: z.number(),
      baseline_hours: z.number().int(),
      min_hourly_spend_minor: MinorUnits,
    })
    .describe('runaway alerts in force, defaults filled in'),
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
export const AnomalyResponse = z.object({
  scope: z.object({ kind: z.enum(['agent', 'model']), id: z.string() }),
  day: Day.describe('one alert per scope and UTC day'),
  hour: IsoTimestamp.describe('the hour whose spend passed the baseline'),
  detected_at: IsoTimestamp,
  currency: z.string(),
  hour_spend_minor: MinorUnits.describe('the hour’s usage at list prices (before included usage)'),
  baseline_hourly_minor: MinorUnits.describe('mean hourly spend over the baseline hours before it'),
  multiple: z.number(),
  forecast_impact_minor: MinorUnits.describe('what the period’s spend rises by if the rate goes on to the period end'),
  notice_cause: z.string().describe('the cause of the `anomaly` notice sent for it'),
});

export const EntitlementQuery = z.object({
  agent_id: z.string().min(1).max(128).optional(),
  model: z.string().min(1).max(128).optional(),
  connection_id: z.string().min(1).max(128).optional(),
});
export const EntitlementResponse = z.object({
  allowed: z.boolean(),
  reason: z
    .enum(['suspended', 'limit'])
    .nullable()
    .describe('why not: suspended for non-payment (dunning), or a block limit used up (blocked_by)'),
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
  listUsageAnomalies: { params: OrgPath, query: ListQuery, responses: { 200: listOf(AnomalyResponse) } },
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
