import type { AuditEntry } from '../kernel/audit';
import type { BillingStatus } from '../kernel/billing-status';

/** Dunning transitions on the billing status (conditional on the version read) and the due list. */
export interface DunningStore {
  dueOrgs(nowIso: string, limit: number): Promise<string[]>;
  apply(next: BillingStatus, expectedVersion: number, deadline: string | null, audit: AuditEntry): Promise<void>;
}
