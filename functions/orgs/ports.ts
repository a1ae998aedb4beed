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

/** An org whose billing period `periodEnd` ended (at or before the time asked about) and is not yet closed. */
export interface PeriodDue {
  readonly orgId: string;
  /** The end of the org's first period not yet closed (ISO). */
  readonly periodEnd: string;
}

/**
 * The org's billing calendar: the first period not yet closed, kept from provisioning on so no org is
 * ever left out of a period close. The invoicing capability reads what is due (sharded, oldest first)
 * and advances an org once its period is closed.
 */
export interface BillingCalendar {
  /** A page of orgs whose first open period ended at or before `upTo`; `cursor` from the previous page. */
  dueForClose(upTo: Date, limit: number, cursor?: string): Promise<{ due: PeriodDue[]; cursor?: string }>;
  /** Moves the org to the period after the one ending at `periodEnd`; false when it is no longer there. */
  markClosed(orgId: string, periodEnd: string): Promise<boolean>;
}

/** Puts an org on the calendar (from the period containing `at`) unless it is already there. */
export interface CalendarEnrollment {
  enroll(orgId: string, at: Date): Promise<void>;
}
