import { formatMajor } from '../../kernel/money';
import type { Period } from '../../kernel/period';
import { totalsByMeterModel, type UsageCell } from '../../kernel/pricing/quantities';
import type { RatedLine } from '../../kernel/pricing/rating';
import type { BudgetsView, Entitlement } from '../app/budgets';
import type { CostRow, GroupFields, RangeAnswer, UsageRow } from '../app/usage-analytics';
import type { Forecast } from '../app/usage-forecast';
import type { UsageSummary } from '../app/usage-summary';
import { type Anomaly, anomalyCause, anomalyPolicy } from '../domain/anomalies';
import type { BudgetSet, LimitStatus } from '../domain/budgets';
import type { RatedPeriod, RejectedUsage } from '../ports';

/** Domain → wire (snake_case) for the usage routes, and the CSV renderings of reports. */
export const encodePeriod = (p: Period) => ({ key: p.key, start: p.start.toISOString(), end: p.end.toISOString() });

/** A rated line as the summary shows it (the stretch it belongs to, included and billable units, amounts). */
const encodeRatedLine = (l: RatedLine, periodStart: string) => ({
  terms_from: l.termsFrom ?? periodStart,
  meter: l.meter,
  model: l.model ?? null,
  quantity: l.quantity,
  included_quantity: l.includedQuantity,
  billable_quantity: l.billableQuantity,
  priced: l.priced,
  precise_amount_minor: l.preciseAmountMinor,
  amount_minor: l.amountMinor,
});

export function encodeSummary(s: UsageSummary) {
  const byMeter = new Map<string, { meter: string; quantity: number; amount_minor: number }>();
  for (const l of s.rating.lines) {
    const m = byMeter.get(l.meter) ?? { meter: l.meter, quantity: 0, amount_minor: 0 };
    m.quantity += l.quantity;
    m.amount_minor += l.amountMinor;
    byMeter.set(l.meter, m);
  }
  return {
    org_id: s.orgId,
    period: encodePeriod(s.period),
    as_of: s.asOf,
    last_counted_at: s.lastCountedAt ?? null,
    events_counted: s.eventsCounted,
    plan: { id: s.plan.id, version: s.plan.version, billing_model: s.plan.billingModel },
    currency: s.rating.currency,
    stretches: s.stretches.map((t) => ({
      from: t.from,
      to: t.to ?? null,
      plan: { id: t.plan.id, version: t.plan.version, billing_model: t.plan.billingModel },
      currency: t.currency,
      amount_minor: t.totalMinor,
    })),
    lines: s.rating.lines.map((l) => encodeRatedLine(l, s.period.start.toISOString())),
    by_meter: [...byMeter.values()],
    total: { amount_minor: s.rating.totalMinor, currency: s.rating.currency },
    included_remaining: s.rating.includedRemaining,
    dimension_overflow: s.overflow.map((o) => ({ dimension: o.dimension, meter: o.meter, quantity: o.quantity })),
  };
}

const groupWire = (g: GroupFields) => ({
  ...(g.windowStart !== undefined ? { window_start: g.windowStart, window_end: g.windowEnd } : {}),
  ...(g.meter !== undefined ? { meter: g.meter } : {}),
  ...(g.model !== undefined ? { model: g.model } : {}),
  ...(g.agentId !== undefined ? { agent_id: g.agentId } : {}),
  ...(g.connectionId !== undefined ? { connection_id: g.connectionId } : {}),
  ...(g.day !== undefined ? { day: g.day } : {}),
});

export const encodeUsageRow = (r: UsageRow) => ({ ...groupWire(r), quantity: r.quantity });
export const encodeCostRow = (r: CostRow) => ({ ...groupWire(r), currency: r.currency, amount_minor: r.amountMinor });

const WIRE_COLUMNS: Record<string, string> = {
  meter: 'meter',
  model: 'model',
  agent: 'agent_id',
  connection: 'connection_id',
  day: 'day',
};

/** RFC 4180: quote fields holding a comma, quote or line break (dimension values cannot, but be safe). */
const csvField = (v: unknown) => {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function toCsv(
  groupBy: readonly string[],
  rows: readonly Record<string, unknown>[],
  valueColumns: string[],
  windowed = false,
): string {
  const columns = [
    ...(windowed ? ['window_start', 'window_end'] : []),
    ...groupBy.map((g) => WIRE_COLUMNS[g] ?? g),
    ...valueColumns,
  ];
  return [columns.join(','), ...rows.map((r) => columns.map((c) => csvField(r[c])).join(','))].join('\r\n') + '\r\n';
}

/** The range part of a report or costs answer. */
export const encodeRange = (a: RangeAnswer<unknown>) => ({
  from: a.from,
  to: a.to,
  window: a.window ?? null,
  group_by: a.groupBy,
});

export const costCsvRow = (r: CostRow) => ({
  ...encodeCostRow(r),
  amount: formatMajor({ amountMinor: r.amountMinor, currency: r.currency }),
});

/** A statistic (never billed) as a decimal string: 4 decimals are plenty, and floats never reach the wire. */
const stat = (n: number) => (Number.isFinite(n) ? n.toFixed(4) : '0');

export function encodeForecast(f: Forecast) {
  return {
    period: encodePeriod(f.period),
    as_of: f.asOf,
    currency: f.currency,
    method: f.method,
    method_description: f.methodDescription,
    elapsed_fraction: f.elapsedFraction,
    spent_minor: f.spentMinor,
    projected_minor: f.projectedMinor,
    low_minor: f.lowMinor,
    high_minor: f.highMinor,
    range_basis: f.inputs.basis,
    interval: { level: f.intervalLevel, low_minor: f.lowMinor, high_minor: f.highMinor },
    inputs: {
      since: f.inputs.since,
      observed_days: stat(f.inputs.observedDays),
      complete_days: f.inputs.completeDays,
      average_rate_minor_per_day: stat(f.inputs.averageRatePerDay),
      trailing_rate_minor_per_day: stat(f.inputs.trailingRatePerDay),
      trailing_weight: stat(f.inputs.trailingWeight),
      rate_minor_per_day: stat(f.inputs.ratePerDay),
      noise_minor_per_day: stat(f.inputs.noisePerDay),
      weekend_factor: stat(f.inputs.weekendFactor),
      trend_minor_per_day_per_day: stat(f.inputs.trendPerDay),
      lag_days: stat(f.inputs.lagDays),
      remaining_days: stat(f.inputs.remainingDays),
    },
    budgets: f.budgets.map((b) => ({
      budget_id: b.budgetId,
      limit_minor: b.limitMinor,
      spent_minor: b.spentMinor,
      projected_minor: b.projectedMinor,
      low_minor: b.lowMinor,
      high_minor: b.highMinor,
      exhausted_at: b.exhaustedAt ?? null,
      earliest_exhausted_at: b.earliestExhaustedAt ?? null,
    })),
    commitments: f.commitments.map((c) => ({
      commitment_id: c.commitmentId,
      contract_id: c.contractId,
      currency: c.currency,
      committed_minor: c.committedMinor,
      term_end: c.termEnd,
      used_minor: c.usedMinor,
      projected_minor: c.projectedMinor,
      low_minor: c.lowMinor,
      high_minor: c.highMinor,
      shortfall_minor: c.shortfallMinor,
    })),
  };
}

export const encodeAnomaly = (a: Anomaly) => ({
  scope: a.scope,
  day: a.day,
  hour: a.hour,
  detected_at: a.detectedAt,
  currency: a.currency,
  hour_spend_minor: a.hourSpendMinor,
  baseline_hourly_minor: a.baselineHourlyMinor,
  multiple: a.multiple,
  forecast_impact_minor: a.forecastImpactMinor,
  notice_cause: anomalyCause(a),
});

export const encodeRejected = (r: RejectedUsage) => ({
  event_id: r.eventId ?? null,
  reason: r.reason,
  message: r.message,
  ...(r.details !== undefined ? { details: r.details } : {}),
  payload: r.payload,
  message_id: r.messageId,
  position: r.position,
  sent_at: r.sentAt,
  rejected_at: r.rejectedAt,
});

export const encodeLimit = (s: LimitStatus) => ({
  id: s.id,
  kind: s.kind,
  action: s.action,
  scope: s.scope,
  unit: s.kind === 'quota' ? s.id.split(':')[1]! : (s.currency ?? ''),
  limit: s.limit,
  used: s.used,
  remaining: s.remaining,
  percent_used: s.percentUsed,
  thresholds: [...s.thresholds],
  exhausted: s.exhausted,
  ...(s.currencyMismatch ? { currency_mismatch: true } : {}),
});

export const encodeBudgets = (v: BudgetsView) => ({
  version: v.budgetSet.version,
  anomaly_policy: (() => {
    const p = anomalyPolicy(v.budgetSet.anomalyPolicy, v.currency);
    return {
      enabled: p.enabled,
      multiple: p.multiple,
      baseline_hours: p.baselineHours,
      min_hourly_spend_minor: p.minHourlySpendMinor,
    };
  })(),
  updated_at: v.budgetSet.updatedAt ?? null,
  period: encodePeriod(v.period),
  currency: v.currency,
  budgets: v.budgetSet.budgets.map((b) => ({
    id: b.id,
    name: b.name ?? null,
    scope: b.scope,
    amount_minor: b.amountMinor,
    currency: b.currency,
    thresholds: [...b.thresholds],
    action: b.action,
  })),
  status: v.statuses.map(encodeLimit),
});

export const encodeEntitlement = (e: Entitlement) => ({
  allowed: e.allowed,
  reason: e.reason,
  blocked_by: e.blockedBy,
  period: encodePeriod(e.period),
  as_of: e.asOf,
  currency: e.currency,
  limits: e.limits.map(encodeLimit),
});

/**
 * One billing period of usage in the billing export: rated per stretch × meter × model exactly as the
 * summary and the invoices rate it, and the quantities per UTC day × meter × model (as the report groups
 * them by model and day).
 */
export function encodeUsagePeriod(rated: RatedPeriod, daily: ReadonlyMap<string, UsageCell[]>) {
  const start = rated.period.start.toISOString();
  return {
    period: encodePeriod(rated.period),
    currency: rated.rating.currency,
    events_counted: rated.eventsCounted,
    stretches: rated.stretches.map((t, i) => ({
      from: t.from,
      to: rated.stretches[i + 1]?.from ?? null,
      plan: { id: t.planId, version: t.planVersion, billing_model: t.billingModel },
      currency: t.currency,
      contract: t.contract ?? null,
      amount_minor: rated.rating.stretches[i]?.rating.totalMinor ?? 0,
    })),
    lines: rated.rating.lines.map((l) => encodeRatedLine(l, start)),
    total: { amount_minor: rated.rating.totalMinor, currency: rated.rating.currency },
    days: [...daily].flatMap(([day, cells]) =>
      totalsByMeterModel(cells).map((q) => ({ day, meter: q.meter, model: q.model ?? null, quantity: q.quantity })),
    ),
  };
}

/** The budgets as set, and per period which thresholds were already notified. */
export const encodeBudgetSet = (
  set: BudgetSet | undefined,
  notified: readonly { periodKey: string; alertIds: string[] }[],
) => ({
  version: set?.version ?? 0,
  updated_at: set?.updatedAt ?? null,
  budgets: (set?.budgets ?? []).map((b) => ({
    id: b.id,
    name: b.name ?? null,
    scope: b.scope,
    amount_minor: b.amountMinor,
    currency: b.currency,
    thresholds: [...b.thresholds],
    action: b.action,
  })),
  notified: notified.map((n) => ({ period: n.periodKey, alerts: n.alertIds })),
});
