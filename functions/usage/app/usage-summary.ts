import type { Clock } from '../../kernel/clock';
import { type Period, periodOf } from '../../kernel/period';
import type { Meter } from '../../kernel/pricing/plans';
import { compareMeterModel } from '../../kernel/pricing/quantities';
import { type PeriodRating, type RatedLine, ratePeriod } from '../../kernel/pricing/rating';
import type { OrgStore } from '../../orgs/ports';
import type { TermsReader } from '../../subscriptions/ports';
import { overflowOf } from '../domain/cardinality';
import type { UsageReader } from '../ports';
import { resolvePeriodTerms } from './usage-terms';

/** One stretch of the period under one set of terms, with what its usage costs so far. */
export interface SummaryStretch {
  readonly from: string;
  /** When the next stretch started; undefined for the stretch in force now. */
  readonly to?: string;
  readonly plan: { id: string; version: number; billingModel: string };
  readonly currency: string;
  readonly totalMinor: number;
}

/**
 * The current period so far: quantity and amount per meter and model, total, included left, as-of.
 * When the terms changed during the period (an upgrade, a model switch, a cancellation), each stretch
 * is rated under its own terms and its lines say which stretch they belong to.
 */
export interface UsageSummary {
  readonly orgId: string;
  readonly period: Period;
  readonly asOf: string;
  readonly lastCountedAt?: string;
  readonly eventsCounted: number;
  /** The terms in force now. */
  readonly plan: { id: string; version: number; billingModel: string };
  readonly stretches: readonly SummaryStretch[];
  readonly rating: PeriodRating;
  /** Usage counted in an overflow bucket (`~other`) because its org exceeded a dimension bound this period. */
  readonly overflow: ReturnType<typeof overflowOf>;
}

export interface UsageSummaryDeps {
  readonly clock: Clock;
  readonly orgs: Pick<OrgStore, 'get'>;
  readonly usageReader: UsageReader;
  readonly terms: TermsReader;
}

export async function getUsageSummary(deps: UsageSummaryDeps, orgId: string): Promise<UsageSummary> {
  const now = deps.clock.now();
  const period = periodOf(now);
  // One round trip: the org, its terms timeline and the period totals of every shard, in parallel.
  const [stretches, totals] = await Promise.all([
    resolvePeriodTerms(deps, orgId, period, now),
    deps.usageReader.periodTotals(orgId, period.key),
  ]);
  const rating = ratePeriod(stretches, totals.cells);
  const current = stretches[stretches.length - 1]!;
  return {
    orgId,
    period,
    asOf: now.toISOString(),
    ...(totals.lastCountedAt ? { lastCountedAt: totals.lastCountedAt } : {}),
    eventsCounted: totals.events,
    plan: { id: current.planId, version: current.planVersion, billingModel: current.billingModel },
    stretches: stretches.map((s, i) => ({
      from: s.from,
      ...(stretches[i + 1] ? { to: stretches[i + 1]!.from } : {}),
      plan: { id: s.planId, version: s.planVersion, billingModel: s.billingModel },
      currency: s.currency,
      totalMinor: rating.stretches[i]!.rating.totalMinor,
    })),
    rating,
    overflow: overflowOf(totals.cells),
  };
}

/** Quantity and amount per meter and model, the period's stretches summed (for compact views). */
export function totalsPerMeterModel(
  lines: readonly RatedLine[],
): { meter: Meter; model?: string; quantity: number; amountMinor: number }[] {
  const sums = new Map<string, { meter: Meter; model?: string; quantity: number; amountMinor: number }>();
  for (const l of lines) {
    const key = `${l.meter}|${l.model ?? ''}`;
    const sum = sums.get(key) ?? {
      meter: l.meter,
      ...(l.model ? { model: l.model } : {}),
      quantity: 0,
      amountMinor: 0,
    };
    sum.quantity += l.quantity;
    sum.amountMinor += l.amountMinor;
    sums.set(key, sum);
  }
  return [...sums.values()].sort(compareMeterModel);
}
