import type { Clock } from '../../kernel/clock';
import { formatMajor } from '../../kernel/money';
import { HOUR_MS, hourKey } from '../../kernel/period';
import type { UsageCell } from '../../kernel/pricing/quantities';
import type { NoticeOutbox } from '../../notices/ports';
import { type Anomaly, anomalyCause, anomalyPolicy, detectAnomalies } from '../domain/anomalies';
import { periodsOverlapping } from '../domain/windows';
import type { AnomalyStore, UsageReader } from '../ports';
import type { Evaluated } from './budgets';

export interface AnomalyDeps {
  readonly clock: Clock;
  readonly usageReader: UsageReader;
  readonly anomalies: AnomalyStore;
  readonly notices: NoticeOutbox;
}

/**
 * After counting, for one org whose limits were just evaluated: every agent or model whose spend this
 * hour passes its baseline (domain/anomalies.ts) and was not alerted today gets an `anomaly` notice
 * (cause `anomaly:<agent|model>:<id>:<day>`) and an entry in `…/usage/anomalies`. Level-triggered like
 * the budget notices: a batch retried after a crash still alerts, the outbox deduplicates by cause, and
 * the record keeps the day's first detection.
 */
export async function notifyAnomalies(deps: AnomalyDeps, orgId: string, evaluated: Evaluated): Promise<number> {
  const now = deps.clock.now();
  const policy = anomalyPolicy(evaluated.snapshot.budgets?.anomalyPolicy, evaluated.terms.currency);
  if (!policy.enabled || evaluated.terms.sheet.prices.length === 0) return 0;
  const hour = hourKey(now);
  const from = new Date(Date.parse(`${hour}:00:00.000Z`) - policy.baselineHours * HOUR_MS);
  const to = new Date(Date.parse(`${hour}:00:00.000Z`) + HOUR_MS);
  // Strongly consistent, like the budget check: the batch that makes the hour a runaway must see itself.
  const [hours, alerted] = await Promise.all([
    (async () => {
      const out = new Map<string, UsageCell[]>();
      for (const period of periodsOverlapping(from, to)) {
        const span = {
          from: hourKey(new Date(Math.max(from.getTime(), period.start.getTime()))),
          to: hourKey(new Date(Math.min(to.getTime(), period.end.getTime()))),
        };
        for (const [h, cells] of await deps.usageReader.hourlyCells(orgId, period.key, span, { consistent: true })) {
          out.set(h, cells);
        }
      }
      return out;
    })(),
    deps.anomalies.onDay(orgId, hour.slice(0, 10)),
  ]);
  const seen = new Set(alerted.map((a) => anomalyCause(a)));
  let sent = 0;
  for (const anomaly of detectAnomalies({
    sheet: evaluated.terms.sheet,
    policy,
    hour,
    hours,
    now,
    periodEnd: evaluated.period.end,
  })) {
    if (seen.has(anomalyCause(anomaly))) continue;
    await deps.notices.enqueue({
      orgId,
      kind: 'anomaly',
      cause: anomalyCause(anomaly),
      subject: `Runaway usage: ${anomaly.scope.kind} ${anomaly.scope.id}`,
      body: anomalyBody(anomaly),
      data: {
        scope: anomaly.scope,
        day: anomaly.day,
        hour: anomaly.hour,
        currency: anomaly.currency,
        hour_spend_minor: anomaly.hourSpendMinor,
        baseline_hourly_minor: anomaly.baselineHourlyMinor,
        multiple: anomaly.multiple,
        forecast_impact_minor: anomaly.forecastImpactMinor,
      },
    });
    await deps.anomalies.record(orgId, anomaly);
    sent += 1;
  }
  return sent;
}

function anomalyBody(a: Anomaly): string {
  const money = (amountMinor: number) => `${formatMajor({ amountMinor, currency: a.currency })} ${a.currency}`;
  return [
    `The ${a.scope.kind} ${a.scope.id} spent ${money(a.hourSpendMinor)} (at list prices) in the hour from ${a.hour},`,
    `against a baseline of ${money(a.baselineHourlyMinor)} an hour (alert at ${a.multiple}×).`,
    `If it keeps this rate until the period ends (${a.periodEnd}), the period's spend rises by about ${money(a.forecastImpactMinor)}.`,
    'Further alerts for it are held until tomorrow (UTC).',
  ].join(' ');
}

export async function listAnomalies(
  deps: Pick<AnomalyDeps, 'anomalies'>,
  orgId: string,
  options: { limit: number; cursor?: string },
) {
  return deps.anomalies.list(orgId, options);
}
