import { type Currency, Dec, decimal, roundMinor } from '../../kernel/money';
import { HOUR_MS } from '../../kernel/period';
import type { UsageCell } from '../../kernel/pricing/quantities';
import type { RatingSheet } from '../../kernel/pricing/rating';
import { OVERFLOW } from './cardinality';

/**
 * Runaway alerts: an agent (or a model) whose spend in the current hour passes a multiple of its
 * trailing baseline. Spend is the hour's usage at the current terms' list prices (before included usage:
 * a runaway burns the allowance before it burns money, and should be caught while it does). The
 * baseline is the mean hourly spend over the `baselineHours` before the current hour (hours without
 * usage count as nothing), so a brand-new agent has a baseline of 0 and alerts as soon as it passes the
 * floor. One alert per agent (or model) per UTC day.
 */
export interface AnomalyPolicy {
  readonly enabled: boolean;
  /** The hour's spend must reach this multiple of the baseline … */
  readonly multiple: number;
  readonly baselineHours: number;
  /** … and at least this much (minor units), so a cent becoming ten cents is not an alert. */
  readonly minHourlySpendMinor: number;
}

export const ANOMALY_SCOPES = ['agent', 'model'] as const;
export type AnomalyScope = (typeof ANOMALY_SCOPES)[number];

/** About five US dollars an hour in each settlement currency. */
const DEFAULT_MIN_HOURLY_SPEND: Record<Currency, number> = { USD: 500, EUR: 500, GBP: 400, JPY: 750, KWD: 1_500 };
export const DEFAULT_MULTIPLE = 5;
export const DEFAULT_BASELINE_HOURS = 24;

/** The org's policy with the defaults filled in for its currency. */
export function anomalyPolicy(stored: Partial<AnomalyPolicy> | undefined, currency: Currency): AnomalyPolicy {
  return {
    enabled: stored?.enabled ?? true,
    multiple: stored?.multiple ?? DEFAULT_MULTIPLE,
    baselineHours: stored?.baselineHours ?? DEFAULT_BASELINE_HOURS,
    minHourlySpendMinor: stored?.minHourlySpendMinor ?? DEFAULT_MIN_HOURLY_SPEND[currency],
  };
}

export interface Anomaly {
  readonly scope: { readonly kind: AnomalyScope; readonly id: string };
  /** The UTC day (`YYYY-MM-DD`) it counts for: one alert per scope and day. */
  readonly day: string;
  /** Start of the hour (ISO) whose spend passed the baseline. */
  readonly hour: string;
  readonly detectedAt: string;
  readonly currency: Currency;
  readonly hourSpendMinor: number;
  readonly baselineHourlyMinor: number;
  readonly multiple: number;
  /** What the period's spend rises by if this hourly rate goes on until the period ends. */
  readonly forecastImpactMinor: number;
  readonly periodEnd: string;
}

export const anomalyCause = (a: Pick<Anomaly, 'scope' | 'day'>) => `anomaly:${a.scope.kind}:${a.scope.id}:${a.day}`;

/** Spend per scope value at list prices, exact (decimal): the hour's spend is shown to people. */
function spendBy(sheet: RatingSheet, cells: readonly UsageCell[], kind: AnomalyScope): Map<string, Dec> {
  const price = new Map(
    sheet.prices.map((p) => [
      `${p.meter}|${p.model ?? ''}`,
      decimal(p.tiers?.[0]?.unitAmountDecimal ?? p.unitAmountDecimal),
    ]),
  );
  const out = new Map<string, Dec>();
  for (const c of cells) {
    if (c.dimension !== 'agent') continue;
    const id = kind === 'agent' ? c.value : c.model;
    // Not one agent or one model: nothing to name.
    if (id === '' || id === OVERFLOW) continue;
    const unit = price.get(`${c.meter}|${c.model}`);
    if (!unit) continue;
    out.set(id, (out.get(id) ?? new Dec(0)).plus(unit.mul(c.quantity)));
  }
  return out;
}

/**
 * The scopes whose spend in `hour` passes the policy, given the hour rows of the baseline window before
 * it (hour key → cells). Pure; `now` dates the detection, `periodEnd` bounds the forecast impact.
 */
export function detectAnomalies(input: {
  readonly sheet: RatingSheet;
  readonly policy: AnomalyPolicy;
  readonly hour: string;
  readonly hours: ReadonlyMap<string, readonly UsageCell[]>;
  readonly now: Date;
  readonly periodEnd: Date;
}): Anomaly[] {
  const { sheet, policy } = input;
  if (!policy.enabled || sheet.prices.length === 0) return [];
  const hourStart = Date.parse(`${input.hour}:00:00.000Z`);
  const baselineFrom = hourStart - policy.baselineHours * HOUR_MS;
  const current = input.hours.get(input.hour) ?? [];
  const before = [...input.hours]
    .filter(([h]) => {
      const t = Date.parse(`${h}:00:00.000Z`);
      return t >= baselineFrom && t < hourStart;
    })
    .flatMap(([, cells]) => cells);
  const hoursLeft = Math.max(0, (input.periodEnd.getTime() - (hourStart + HOUR_MS)) / HOUR_MS);
  const out: Anomaly[] = [];
  for (const kind of ANOMALY_SCOPES) {
    const baseline = spendBy(sheet, before, kind);
    for (const [id, spend] of spendBy(sheet, current, kind)) {
      const hourly = (baseline.get(id) ?? new Dec(0)).div(policy.baselineHours);
      const hourSpend = roundMinor(spend);
      if (hourSpend < policy.minHourlySpendMinor) continue;
      if (spend.lessThan(hourly.mul(decimal(String(policy.multiple))))) continue;
      out.push({
        scope: { kind, id },
        day: input.hour.slice(0, 10),
        hour: new Date(hourStart).toISOString(),
        detectedAt: input.now.toISOString(),
        currency: sheet.currency,
        hourSpendMinor: hourSpend,
        baselineHourlyMinor: roundMinor(hourly),
        multiple: policy.multiple,
        forecastImpactMinor: roundMinor(spend.minus(hourly).mul(decimal(String(hoursLeft)))),
        periodEnd: input.periodEnd.toISOString(),
      });
    }
  }
  return out;
}
