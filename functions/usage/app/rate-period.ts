import type { Period } from '../../kernel/period';
import { ratePeriod } from '../../kernel/pricing/rating';
import type { OrgStore } from '../../orgs/ports';
import type { TermsReader } from '../../subscriptions/ports';
import type { RatedPeriod, UsageReader } from '../ports';
import { resolvePeriodTerms } from './usage-terms';

/**
 * A period's usage rated exactly as the summary rates it (stretch by stretch, each under the terms it
 * was counted under), with the terms up to `until`: what invoicing bills. Reads the org, the terms
 * timeline and the period totals in one round trip; bounded whatever the event count. The totals are
 * read strongly consistent: what is billed (a threshold invoice right after the batch that crossed it,
 * a close) must include every event already counted.
 */
export async function rateUsagePeriod(
  deps: { readonly orgs: Pick<OrgStore, 'get'>; readonly terms: TermsReader; readonly usageReader: UsageReader },
  orgId: string,
  period: Period,
  until: Date,
): Promise<RatedPeriod> {
  const last = new Date(Math.min(until.getTime(), period.end.getTime() - 1));
  const [stretches, totals] = await Promise.all([
    resolvePeriodTerms(deps, orgId, period, last),
    deps.usageReader.periodTotals(orgId, period.key, true),
  ]);
  return {
    orgId,
    period,
    rating: ratePeriod(stretches, totals.cells),
    stretches: stretches.map((s) => ({
      from: s.from,
      planId: s.planId,
      planVersion: s.planVersion,
      billingModel: s.billingModel,
      currency: s.currency,
      ...(s.contract ? { contract: { id: s.contract.id, version: s.contract.version, year: s.contract.year } } : {}),
    })),
    eventsCounted: totals.events,
  };
}
