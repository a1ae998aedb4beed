import type { AuditEntry } from '../kernel/audit';
import type { BillingStatus } from '../kernel/billing-status';

/** Dunning transitions on the billing status (conditional on the version read) and the due list. */
export interface DunningStore {
  /** The first `limit` orgs due at `nowIso` (across the shards). */
  dueOrgs(nowIso: string, limit: number): Promise<string[]>;
  /** A page of the orgs due at `nowIso`; `cursor` (opaque, spanning the shards) continues the walk. */
  dueOrgsPage(
    nowIso: string,
    limit: number,
    cursor?: Record<string, unknown>,
  ): Promise<{ orgIds: string[]; cursor: Record<string, unknown> | undefined }>;
  apply(next: BillingStatus, expectedVersion: number, deadline: string | null, audit: AuditEntry): Promise<void>;
}
