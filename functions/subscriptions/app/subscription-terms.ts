import type { ContractTermsSegment, ContractTimeline } from '../../contracts/ports';
import type { PlanTerms } from '../../kernel/pricing/rating';
import type { OrgStore } from '../../orgs/ports';
import { settle, type Terms } from '../domain/subscription';
import type { ActiveTerms, PaidSubscriptionReader, SubscriptionStore, TermsReader, TermsSegment } from '../ports';
import { fallbackTerms } from './subscription-common';

/**
 * The one terms timeline usage is rated under, merged from two sources: the subscription's segments
 * (each change writes one from the instant it takes effect, and one at the next boundary while a change
 * is pending) and the contracts' (a contract in force, year by year, then what follows its end). Rules:
 *  - while a contract is in force, its terms win over the subscription's;
 *  - after a contract ends, its `on_end` terms hold until the subscription's next segment starts;
 *  - no segment at or before an instant: the free plan in the org's default currency.
 * So usage recorded before a switch (or a signature) stays priced under the terms of its own instant.
 */
export class SubscriptionTermsReader implements TermsReader, PaidSubscriptionReader {
  constructor(
    private readonly deps: {
      clock: { now(): Date };
      orgs: Pick<OrgStore, 'get'>;
      subscriptions: Pick<SubscriptionStore, 'segmentsBetween' | 'get'>;
      contracts: ContractTimeline;
    },
  ) {}

  async termsAt(orgId: string, at: Date): Promise<ActiveTerms | undefined> {
    const [segment] = await this.timeline(orgId, at, at);
    if (segment) return segment.terms;
    const org = await this.deps.orgs.get(orgId);
    return org ? { orgId, ...fallbackTerms(org.defaultCurrency) } : undefined;
  }

  async timeline(orgId: string, from: Date, to: Date): Promise<TermsSegment[]> {
    const [subscription, contracts] = await Promise.all([
      this.deps.subscriptions.segmentsBetween(orgId, from, to),
      this.deps.contracts.segmentsBetween(orgId, from, to),
    ]);
    return mergeTimelines(orgId, subscription, contracts, from.toISOString());
  }

  /** For the payments capability's last-method rule: an active subscription on a paid plan. */
  async hasActivePaidSelfServe(orgId: string): Promise<boolean> {
    const stored = await this.deps.subscriptions.get(orgId);
    if (!stored) return false;
    const s = settle(stored, this.deps.clock.now()).subscription;
    return s.status === 'active' && s.billingModel !== 'free';
  }
}

const latestAt = <T extends { from: string }>(segments: readonly T[], at: string): T | undefined => {
  let found: T | undefined;
  for (const s of segments) if (s.from <= at && (!found || s.from >= found.from)) found = s;
  return found;
};

const asActive = (orgId: string, t: PlanTerms): ActiveTerms => ({
  orgId,
  planId: t.planId,
  planVersion: t.planVersion,
  billingModel: t.billingModel,
  currency: t.currency,
  ...(t.contract ? { contract: t.contract } : {}),
});

const sameActive = (a: ActiveTerms, b: ActiveTerms) =>
  a.planId === b.planId &&
  a.planVersion === b.planVersion &&
  a.billingModel === b.billingModel &&
  a.currency === b.currency &&
  a.contract?.id === b.contract?.id &&
  a.contract?.version === b.contract?.version &&
  a.contract?.year === b.contract?.year;

/**
 * The merged timeline over both sources' segments (each as read for the same window: the one in force at
 * its start and those starting in it), oldest first, adjacent equal terms joined. Pure.
 */
export function mergeTimelines(
  orgId: string,
  subscription: readonly (Terms & { readonly from: string })[],
  contracts: readonly ContractTermsSegment[],
  from: string,
): TermsSegment[] {
  const instants = [...new Set([...subscription.map((s) => s.from), ...contracts.map((c) => c.from)])].sort();
  const out: TermsSegment[] = [];
  for (const at of instants) {
    const c = latestAt(contracts, at);
    const s = latestAt(subscription, at);
    let terms: ActiveTerms | undefined;
    if (c?.kind === 'contract') terms = asActive(orgId, c.terms);
    else if (c && (!s || c.from >= s.from)) terms = asActive(orgId, c.terms);
    else if (s) terms = asActive(orgId, s);
    if (!terms) continue;
    const last = out[out.length - 1];
    if (last && sameActive(last.terms, terms)) continue;
    out.push({ from: at, terms });
  }
  // Only the segment in force at the window's start and later ones: drop earlier starts superseded by then.
  while (out.length > 1 && out[1]!.from <= from) out.shift();
  return out;
}
