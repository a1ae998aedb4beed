import { thresholdInvoicing } from '../invoicing/provides';
import { compositionRoot, type Kernel } from '../kernel/compose';
import { noticeOutbox } from '../notices/provides';
import { orgReader } from '../orgs/provides';
import type { TermsReader } from '../subscriptions/ports';
import { termsReader } from '../subscriptions/provides';
import { DynamoBudgetStore } from './adapters/budget-store';
import { DynamoUsageStore } from './adapters/usage-store';
import { notifyCrossedThresholds } from './app/budgets';

/**
 * The usage capability: ingestion, the summary, reports, costs, the forecast, budgets and entitlement.
 * The terms timeline (subscriptions) and the notice outbox (notices) come through those capabilities'
 * ports.
 */
export function buildUsageDeps(k: Kernel) {
  const store = new DynamoUsageStore(k.db, k.config.tableName);
  const orgs = orgReader(k);
  const terms: TermsReader = termsReader(k);
  // Orgs are never deleted: a positive lookup is cached for the life of the Lambda container.
  const knownOrgs = new Set<string>();
  const base = {
    clock: k.clock,
    ids: k.ids,
    orgs,
    usage: store,
    usageReader: store,
    budgets: new DynamoBudgetStore(k.db, k.config.tableName),
    billingStatus: k.billingStatus,
    terms,
    notices: noticeOutbox(k),
    termsStarts: async (orgId: string, from: Date, to: Date) =>
      (await terms.timeline(orgId, from, to)).map((segment) => segment.from),
    orgExists: async (orgId: string) => {
      if (knownOrgs.has(orgId)) return true;
      const found = (await orgs.get(orgId)) !== undefined;
      if (found) knownOrgs.add(orgId);
      return found;
    },
  };
  const thresholds = thresholdInvoicing(k);
  return {
    ...base,
    // Budgets first (notices), then threshold invoices (which never fail the batch: see billThresholds).
    afterCounting: async (orgIds: readonly string[]) => {
      await notifyCrossedThresholds(base, orgIds);
      await thresholds.usageCounted(orgIds);
    },
  };
}
export type UsageDeps = ReturnType<typeof buildUsageDeps>;

export const { deps, buildDeps, setDepsForTesting } = compositionRoot(buildUsageDeps);
