import type { OrgStore } from '../../orgs/ports';
import { settle } from '../domain/subscription';
import type { ActiveTerms, PaidSubscriptionReader, SubscriptionStore, TermsReader, TermsSegment } from '../ports';
import { fallbackTerms } from './subscription-common';

/**
 * The terms in force at an instant, from the terms timeline the subscription writes keep: each change
 * writes a segment from the instant it takes effect (and one at the next boundary while a change is
 * pending), so usage recorded before a switch stays priced under the terms of its own instant. No
 * segment at or before `at` → the free plan in the org's default currency (undefined for no org).
 */
export class SubscriptionTermsReader implements TermsReader, PaidSubscriptionReader {
  constructor(
    private readonly deps: {
      clock: { now(): Date };
      orgs: Pick<OrgStore, 'get'>;
      subscriptions: Pick<SubscriptionStore, 'segmentAt' | 'segmentsBetween' | 'get'>;
    },
  ) {}

  async termsAt(orgId: string, at: Date): Promise<ActiveTerms | undefined> {
    const segment = await this.deps.subscriptions.segmentAt(orgId, at);
    if (segment) {
      return {
        orgId,
        planId: segment.planId,
        planVersion: segment.planVersion,
        billingModel: segment.billingModel,
        currency: segment.currency,
      };
    }
    const org = await this.deps.orgs.get(orgId);
    return org ? { orgId, ...fallbackTerms(org.defaultCurrency) } : undefined;
  }

  async timeline(orgId: string, from: Date, to: Date): Promise<TermsSegment[]> {
    const segments = await this.deps.subscriptions.segmentsBetween(orgId, from, to);
    return segments.map((s) => ({
      from: s.from,
      terms: {
        orgId,
        planId: s.planId,
        planVersion: s.planVersion,
        billingModel: s.billingModel,
        currency: s.currency,
      },
    }));
  }

  /** For the payments capability's last-method rule: an active subscription on a paid plan. */
  async hasActivePaidSelfServe(orgId: string): Promise<boolean> {
    const stored = await this.deps.subscriptions.get(orgId);
    if (!stored) return false;
    const s = settle(stored, this.deps.clock.now()).subscription;
    return s.status === 'active' && s.billingModel !== 'free';
  }
}
