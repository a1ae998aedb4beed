import { contractTimeline } from '../contracts/provides';
import type { ExportSources } from '../export/ports';
import type { Kernel } from '../kernel/compose';
import { findPlanVersion } from '../kernel/pricing/plans';
import { fromList, mapStream, once } from '../kernel/streams';
import { orgReader } from '../orgs/provides';
import { paymentMethodCheck } from '../payments/provides';
import { DynamoAdjustmentLedger } from './adapters/adjustment-ledger';
import { DynamoSubscriptionStore } from './adapters/subscription-store';
import { cancelForNonPayment } from './app/cancel-subscription';
import { endForContract } from './app/end-for-contract';
import { SubscriptionTermsReader } from './app/subscription-terms';
import { encodeAdjustmentRecord, encodeEvent, encodePlan, encodeSubscription, encodeTermsSegment } from './http/encode';
import type {
  AdjustmentLedger,
  NonPaymentCancellation,
  PaidSubscriptionReader,
  SelfServeEnder,
  TermsReader,
  TermsSegment,
} from './ports';

/**
 * The terms timeline usage is rated under (usage, invoicing, contracts read it), and whether the org has
 * a paid subscription (the payments capability's last-payment-method rule).
 */
export const termsReader = (k: Kernel): TermsReader & PaidSubscriptionReader =>
  new SubscriptionTermsReader({
    clock: k.clock,
    orgs: orgReader(k),
    subscriptions: new DynamoSubscriptionStore(k.db, k.config.tableName),
    contracts: contractTimeline(k),
  });

/** The pending adjustment lines, and the write that marks them billed in an invoice's transaction. */
export const adjustmentLedger = (k: Kernel): AdjustmentLedger =>
  new DynamoAdjustmentLedger(new DynamoSubscriptionStore(k.db, k.config.tableName), k.config.tableName);

/** What the subscription use cases other capabilities trigger need. */
const lifecycleDeps = (k: Kernel) => ({
  clock: k.clock,
  ids: k.ids,
  orgs: orgReader(k),
  subscriptions: new DynamoSubscriptionStore(k.db, k.config.tableName),
  terms: termsReader(k),
  paymentMethodCheck: paymentMethodCheck(k),
});

/** Ends the self-serve subscription when a contract takes over (contracts). */
export function selfServeEnder(k: Kernel): SelfServeEnder {
  const deps = lifecycleDeps(k);
  return { endForContract: (orgId, _at, contractId) => endForContract(deps, orgId, contractId) };
}

/** Ending a paid subscription for non-payment (the collection capability, when dunning reaches canceled). */
export function nonPaymentCancellation(k: Kernel): NonPaymentCancellation {
  const deps = lifecycleDeps(k);
  return { cancelForNonPayment: (orgId, ctx) => cancelForNonPayment(deps, ctx, orgId) };
}

type SubscriptionSections =
  | 'plan_versions'
  | 'subscription'
  | 'terms_timeline'
  | 'subscription_history'
  | 'subscription_adjustments';

/**
 * The subscription, its history and adjustment lines, the terms timeline from the org's start and every
 * plan version on it, as sections of the billing export (encoded as the API answers them).
 */
export function subscriptionExportSections(k: Kernel): Pick<ExportSources, SubscriptionSections> {
  const store = new DynamoSubscriptionStore(k.db, k.config.tableName);
  const orgs = orgReader(k);
  const terms = termsReader(k);
  /** The whole timeline up to `asOf`; an org that never subscribed was on the free plan from its start. */
  const timeline = async (orgId: string, asOf: Date): Promise<TermsSegment[]> => {
    const org = await orgs.get(orgId);
    if (!org) return [];
    const segments = await terms.timeline(orgId, new Date(org.createdAt), asOf);
    if (segments.length > 0) return segments;
    const now = await terms.termsAt(orgId, asOf);
    return now ? [{ from: org.createdAt, terms: now }] : [];
  };
  return {
    plan_versions: {
      read: (orgId, asOf) =>
        fromList(
          timeline(orgId, asOf).then((segments) => {
            const seen = new Map<string, ReturnType<typeof encodePlan>>();
            for (const { terms: t } of segments) {
              const plan = findPlanVersion(t.planId, t.planVersion);
              if (plan && !seen.has(`${plan.id}@${plan.version}`))
                seen.set(`${plan.id}@${plan.version}`, encodePlan(plan));
            }
            return [...seen.values()];
          }),
        ),
    },
    subscription: {
      read: (orgId, asOf) =>
        once(async () => {
          const s = await store.get(orgId);
          return s ? encodeSubscription(s, asOf) : null;
        }),
    },
    terms_timeline: { read: (orgId, asOf) => fromList(timeline(orgId, asOf).then((s) => s.map(encodeTermsSegment))) },
    subscription_history: { read: (orgId) => mapStream(store.events(orgId), encodeEvent) },
    subscription_adjustments: { read: (orgId) => mapStream(store.adjustments(orgId), encodeAdjustmentRecord) },
  };
}
