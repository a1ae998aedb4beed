import type { Clock } from '../kernel/clock';
import { type Deps, deps } from '../kernel/compose';
import type { IdGenerator, NoticeOutbox, OrgStore, TermsReader } from '../kernel/ports';
import { DynamoBudgetStore } from './adapters/budget-store';
import { DynamoUsageStore } from './adapters/usage-store';
import { notifyCrossedThresholds } from './app/budgets';
import type { IngestDeps } from './app/ingest-usage';
import type { BudgetStore } from './ports';

/**
 * The usage capability's dependencies, derived once from the process-wide Deps (so tests that swap
 * Deps with setDepsForTesting get matching usage deps). The terms reader and notice outbox belong to the
 * subscriptions capability: used when composition wires them (`terms`, `notices`), absent otherwise.
 */
export interface UsageDeps extends IngestDeps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly orgs: Pick<OrgStore, 'get'>;
  readonly usage: DynamoUsageStore;
  readonly usageReader: DynamoUsageStore;
  readonly budgets: BudgetStore;
  readonly terms?: TermsReader;
  readonly notices?: NoticeOutbox;
}

const built = new WeakMap<Deps, UsageDeps>();

export function buildUsageDeps(base: Deps, overrides: Partial<UsageDeps> = {}): UsageDeps {
  const optional = base as Deps & Partial<{ terms: TermsReader; notices: NoticeOutbox }>;
  const store = new DynamoUsageStore(base.db, base.config.tableName);
  // Orgs are never deleted: a positive lookup is cached for the life of the Lambda container.
  const knownOrgs = new Set<string>();
  const partial = {
    clock: base.clock,
    ids: base.ids,
    orgs: base.orgs,
    usage: store,
    usageReader: store,
    budgets: new DynamoBudgetStore(base.db, base.config.tableName),
    terms: optional.terms,
    notices: optional.notices,
    termsStarts: optional.terms
      ? async (orgId: string, from: Date, to: Date) =>
          (await optional.terms!.timeline(orgId, from, to)).map((segment) => segment.from)
      : undefined,
    orgExists: async (orgId: string) => {
      if (knownOrgs.has(orgId)) return true;
      const found = (await base.orgs.get(orgId)) !== undefined;
      if (found) knownOrgs.add(orgId);
      return found;
    },
    ...overrides,
  };
  const result: UsageDeps = {
    ...partial,
    afterCounting: overrides.afterCounting ?? (async (orgIds) => void (await notifyCrossedThresholds(result, orgIds))),
  };
  return result;
}

export function usageDeps(base: Deps = deps()): UsageDeps {
  let found = built.get(base);
  if (!found) {
    found = buildUsageDeps(base);
    built.set(base, found);
  }
  return found;
}
