import { notFound } from '../../kernel/errors';
import type { Period } from '../../kernel/period';
import type { OrgStore } from '../../orgs/ports';
import type { UsageSummaryReader, UsageSummaryView } from '../../usage/ports';
import { currentPeriod, type Subscription, type SubscriptionEvent, settle, type Terms } from '../domain/subscription';
import type { PendingAdjustment, SubscriptionStore } from '../ports';
import { fallbackTerms, termsUnder } from './subscription-common';

export interface SubscriptionView {
  /** Settled to now: a change due at a boundary the rollup has not reached yet is shown applied. */
  readonly subscription: Subscription | undefined;
  /** The terms usage is rated under right now (the free plan without an active subscription). */
  readonly termsNow: Terms;
  readonly currentPeriod: Period;
  readonly history: readonly SubscriptionEvent[];
  readonly pendingAdjustments: readonly PendingAdjustment[];
  readonly usageSummary: UsageSummaryView;
}

export async function getSubscription(
  deps: {
    clock: { now(): Date };
    orgs: Pick<OrgStore, 'get'>;
    subscriptions: SubscriptionStore;
    usageSummary: UsageSummaryReader;
  },
  orgId: string,
): Promise<SubscriptionView> {
  const now = deps.clock.now();
  const [org, stored, history, pendingAdjustments, usageSummary] = await Promise.all([
    deps.orgs.get(orgId),
    deps.subscriptions.get(orgId),
    deps.subscriptions.history(orgId),
    deps.subscriptions.pendingAdjustments(orgId),
    deps.usageSummary.currentPeriod(orgId),
  ]);
  if (!org) throw notFound('org_not_found', `organization ${orgId} does not exist`);
  const subscription = stored ? settle(stored, now).subscription : undefined;
  const termsNow = subscription ? termsUnder(subscription) : fallbackTerms(org.defaultCurrency);
  return {
    subscription,
    termsNow,
    currentPeriod: currentPeriod(subscription?.status === 'active' ? subscription : { startedAt: '' }, now),
    history,
    pendingAdjustments,
    usageSummary,
  };
}
