import type { AuditEntry } from '../kernel/audit';
import type { BillingStatus } from '../kernel/billing-status';
import type { Org } from '../kernel/org';

/** Ports of the orgs capability: the org record, which other capabilities read through `OrgReader`. */
/** Every write that changes billing state carries its audit entry, written in the same transaction. */
export interface OrgStore {
  /** `consistent` for a read before a write (a retry right after a write must see it). */
  get(orgId: string, options?: { consistent?: boolean }): Promise<Org | undefined>;
  /** Creates the org and its initial billing status; `conflict` if the org exists. */
  create(org: Org, status: BillingStatus, audit: AuditEntry): Promise<void>;
  /** Replaces the org if it is still at `expectedVersion`; `conflict` otherwise. */
  update(org: Org, expectedVersion: number, audit: AuditEntry): Promise<void>;
}

/** What other capabilities may read of an org. */
export type OrgReader = Pick<OrgStore, 'get'>;
