import { compositionRoot, type Kernel } from '../kernel/compose';
import { DynamoBillingCalendar } from './adapters/billing-calendar';
import { DynamoOrgStore } from './adapters/org-store';

/** The orgs capability: provisioning and the billing-status read. */
export function buildOrgsDeps(k: Kernel) {
  return {
    clock: k.clock,
    ids: k.ids,
    billingStatus: k.billingStatus,
    orgs: new DynamoOrgStore(k.db, k.config.tableName),
    calendar: new DynamoBillingCalendar(k.db, k.config.tableName),
  };
}
export type OrgsDeps = ReturnType<typeof buildOrgsDeps>;

export const { deps, buildDeps, setDepsForTesting } = compositionRoot(buildOrgsDeps);
