import { notFound } from '../../kernel/errors';
import type { Org } from '../../kernel/org';
import type { Period } from '../../kernel/period';
import type { PlanVersion } from '../../kernel/pricing/plans';
import { freeTerms, type PlanTerms, planOf, type RatingSheet, ratingSheetFor } from '../../kernel/pricing/rating';
import type { OrgStore } from '../../orgs/ports';
import type { TermsReader, TermsSegment } from '../../subscriptions/ports';

/**
 * The terms usage is rated under: the subscriptions capability's TermsReader when it is wired and has
 * terms for the org, otherwise the free plan in the org's default currency.
 */
export interface ResolvedTerms extends PlanTerms {
  readonly plan: PlanVersion;
  readonly sheet: RatingSheet;
}

/** A stretch of a period under one set of terms, from `from` (ISO) until the next stretch or period end. */
export interface TermsStretch extends ResolvedTerms {
  readonly from: string;
}

function resolved(found: PlanTerms): ResolvedTerms {
  const plan = planOf(found);
  return {
    planId: found.planId,
    planVersion: found.planVersion,
    billingModel: found.billingModel,
    currency: found.currency,
    ...(found.contract ? { contract: found.contract } : {}),
    plan,
    // Under a contract its negotiated rates are the sheet; otherwise the plan's.
    sheet: found.contract?.sheet ?? ratingSheetFor(plan, found.billingModel, found.currency),
  };
}

/** Same plan, model and currency, and the same contract version and year (a new year is a new stretch). */
const sameTerms = (a: PlanTerms, b: PlanTerms) =>
  a.planId === b.planId &&
  a.planVersion === b.planVersion &&
  a.billingModel === b.billingModel &&
  a.currency === b.currency &&
  a.contract?.id === b.contract?.id &&
  a.contract?.version === b.contract?.version &&
  a.contract?.year === b.contract?.year;

/**
 * The stretches of `period` up to `until`, oldest first, each under the terms then in force: the first
 * starts at the period start (the free plan in the org's default currency when nothing was in force
 * then), and adjacent stretches under identical terms are one stretch. The last is in force at `until`.
 * Usage counters carry the start of their stretch (`termsFrom`), which `ratePeriod` maps onto these.
 */
export async function resolvePeriodTerms(
  deps: { readonly orgs: Pick<OrgStore, 'get'>; readonly terms: TermsReader },
  orgId: string,
  period: Period,
  until: Date,
): Promise<TermsStretch[]> {
  // The org (for its default currency) and the timeline in parallel: one round trip.
  const [org, timeline] = await Promise.all([
    deps.orgs.get(orgId),
    readPeriodTimeline(deps.terms, orgId, period, until),
  ]);
  if (!org) throw notFound('org_not_found', `organization ${orgId} does not exist`);
  return periodStretches(timeline, org, period);
}

/** The terms segments in force during `period` up to `until` (empty: never subscribed). */
export async function readPeriodTimeline(
  terms: TermsReader,
  orgId: string,
  period: Period,
  until: Date,
): Promise<TermsSegment[]> {
  const to = new Date(Math.min(until.getTime(), period.end.getTime() - 1));
  return terms.timeline(orgId, period.start, to);
}

/** `resolvePeriodTerms` from a timeline already read (so callers can read it beside other things). */
export function periodStretches(timeline: readonly TermsSegment[], org: Org, period: Period): TermsStretch[] {
  const periodStart = period.start.toISOString();
  const raw: { from: string; terms: PlanTerms }[] = [];
  if (timeline.length === 0 || timeline[0]!.from > periodStart) {
    raw.push({ from: periodStart, terms: freeTerms(org.defaultCurrency) });
  }
  for (const segment of timeline) {
    // A segment that began in an earlier period starts this one.
    const from = Date.parse(segment.from) < period.start.getTime() ? periodStart : segment.from;
    raw.push({ from, terms: segment.terms });
  }
  const stretches: TermsStretch[] = [];
  for (const { from, terms: t } of raw) {
    const last = stretches[stretches.length - 1];
    if (last && sameTerms(last, t)) continue;
    stretches.push({ from, ...resolved(t) });
  }
  return stretches;
}
