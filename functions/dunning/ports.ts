import type { AuditEntry } from '../kernel/audit';
import type { BillingStatus } from '../kernel/billing-status';
import type { CallContext } from '../kernel/ports';

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
  /** Takes the org off the due list if its status is still at `version` (a follow-up is done). */
  settleDue(orgId: string, version: number): Promise<void>;
}

/**
 * The org's payment standing as the collection capability moves it: a failed payment (or an overdue
 * net-terms invoice) starts dunning, a successful one ends it from any stage. Idempotent: the same event
 * twice is one transition at most.
 */
export interface PaymentStanding {
  paymentFailed(orgId: string, ctx: CallContext, at: string): Promise<BillingStatus>;
  paymentSucceeded(orgId: string, ctx: CallContext, at: string): Promise<BillingStatus>;
}

/**
 * Dunning reached `canceled`: the collection capability ends the paid subscription and writes off the
 * open invoices. Called until it succeeds (the org stays on the due list meanwhile), so idempotent.
 */
export interface NonPaymentListener {
  canceledForNonPayment(orgId: string, ctx: CallContext, at: string): Promise<void>;
}
