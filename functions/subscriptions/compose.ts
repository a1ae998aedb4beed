import { compositionRoot, type Kernel } from '../kernel/compose';
import { orgReader } from '../orgs/provides';
import { paymentMethodCheck } from '../payments/provides';
import { usageSummaryReader } from '../usage/provides';
import { DynamoSubscriptionStore } from './adapters/subscription-store';
import type { TermsReader } from './ports';
import { termsReader } from './provides';

/**
 * The subscriptions capability: the plan catalog, the lifecycle, the terms timeline and the period
 * rollup. Whether the org can pay comes from payments, the embedded usage summary from usage.
 */
export function buildSubscriptionsDeps(k: Kernel) {
  const terms: TermsReader = termsReader(k);
  return {
    clock: k.clock,
    ids: k.ids,
    orgs: orgReader(k),
    subscriptions: new DynamoSubscriptionStore(k.db, k.config.tableName),
    terms,
    paymentMethodCheck: paymentMethodCheck(k),
    usageSummary: usageSummaryReader(k),
  };
}
export type SubscriptionsDeps = ReturnType<typeof buildSubscriptionsDeps>;

export const { deps, buildDeps, setDepsForTesting } = compositionRoot(buildSubscriptionsDeps);
