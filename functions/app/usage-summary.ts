import type { Clock } from '../domain/clock';
import { type Period, periodOf } from '../domain/period';
import { type Rating, rate } from '../domain/rating';
import { totalsByMeterModel } from '../domain/usage';
import type { OrgStore, TermsReader } from './ports';
import type { UsageReader } from './usage-ports';
import { resolveTerms } from './usage-terms';

/** The current period so far: quantity and amount per meter and model, total, included left, as-of. */
export interface UsageSummary {
  readonly orgId: string;
  readonly period: Period;
  readonly asOf: string;
  readonly lastCountedAt?: string;
  readonly eventsCounted: number;
  readonly plan: { id: string; version: number; billingModel: string };
  readonly rating: Rating;
}

export interface UsageSummaryDeps {
  readonly clock: Clock;
  readonly orgs: Pick<OrgStore, 'get'>;
  readonly usageReader: UsageReader;
  readonly terms?: TermsReader;
}

export async function getUsageSummary(deps: UsageSummaryDeps, orgId: string): Promise<UsageSummary> {
  const now = deps.clock.now();
  const period = periodOf(now);
  // Two round trips in parallel: the org (+ terms) and the period totals of every shard.
  const [terms, totals] = await Promise.all([
    deps.orgs.get(orgId).then((org) => resolveTerms(deps.terms, org, orgId, now)),
    deps.usageReader.periodTotals(orgId, period.key),
  ]);
  return {
    orgId,
    period,
    asOf: now.toISOString(),
    ...(totals.lastCountedAt ? { lastCountedAt: totals.lastCountedAt } : {}),
    eventsCounted: totals.events,
    plan: { id: terms.planId, version: terms.planVersion, billingModel: terms.billingModel },
    rating: rate(terms.sheet, totalsByMeterModel(totals.cells)),
  };
}
