import { thresholdInvoicing } from '../invoicing/provides';
import { compositionRoot, type Kernel } from '../kernel/compose';
import { noticeOutbox } from '../notices/provides';
import { orgReader } from '../orgs/provides';
import type { TermsReader } from '../subscriptions/ports';
import { termsReader } from '../subscriptions/provides';
import { DynamoAnomalyStore } from './adapters/anomaly-store';
import { DynamoBudgetStore } from './adapters/budget-store';
import { DynamoUsageStore } from './adapters/usage-store';
import { notifyAnomalies } from './app/anomalies';
import { evaluate, notifyThresholds } from './app/budgets';
import { DimensionBounds } from './app/dimension-bounds';
import type { CommitmentReader } from './ports';

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
    // One per container: its cache of admitted dimensions lives as long as the container.
    dimensions: new DimensionBounds(store),
    budgets: new DynamoBudgetStore(k.db, k.config.tableName),
    anomalies: new DynamoAnomalyStore(k.db, k.config.tableName),
    billingStatus: k.billingStatus,
    terms,
    // No commitments until the enterprise contracts capability provides them (the forecast's hook).
    commitments: { commitmentsInForce: async () => [] } satisfies CommitmentReader,
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
    /**
     * After every batch, per org it touched: its limits evaluated once (strongly consistent), then the
     * budget notices and the runaway alerts; then threshold invoices (which never fail the batch: see
     * billThresholds).
     */
    afterCounting: async (orgIds: readonly string[]) => {
      for (const orgId of orgIds) {
        const evaluated = await evaluate(base, orgId, base.clock.now(), true);
        await notifyThresholds(base, orgId, evaluated);
        await notifyAnomalies(base, orgId, evaluated);
      }
      await thresholds.usageCounted(orgIds);
    },
  };
}
export type UsageDeps = ReturnType<typeof buildUsageDeps>;

export const { deps, buildDeps, setDepsForTesting } = compositionRoot(buildUsageDeps);
