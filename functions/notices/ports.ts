import type { AuditEntry } from '../kernel/audit';
import type { ListOptions, Page } from '../kernel/ports';
import type { Contact, Delivery, Notice, PendingNotice } from './domain/notices';

/**
 * The notice outbox: one record per notice, deduplicated by `cause` (e.g. `budget:<id>:<period>:80`),
 * so a retried job or redelivered batch never sends twice. Delivery to each contact subscribed to
 * `kind` happens from the outbox through a sender port (SES on AWS, files under .data/ locally).
 */
export type NoticeRequest = Pick<Notice, 'orgId' | 'kind' | 'cause' | 'subject' | 'body' | 'data'>;

export interface NoticeOutbox {
  /**
   * Records the notice once per (org, cause); returns false when it was already recorded. Past the org's
   * daily notice limit it is recorded as `suppressed` (listed, never mailed). The subject is sanitized.
   */
  enqueue(notice: NoticeRequest): Promise<boolean>;
}

/** Billing contacts, stored per org; every change carries its audit entry. */
export interface ContactStore {
  /** Adds the contact unless the org has `maxContacts` already (`business_rule` contact_limit_reached). */
  addContact(contact: Contact, audit: AuditEntry, maxContacts: number): Promise<void>;
  listContacts(orgId: string, options: ListOptions): Promise<Page<Contact>>;
  removeContact(orgId: string, contactId: string, audit: (removed: Contact) => AuditEntry): Promise<void>;
}

/**
 * The outbox's delivery side: the orgs with notices due (one entry per org on a sharded work list), each
 * org's pending notices, exactly-once claims per (notice, contact), and a notice's outcome.
 */
export interface NoticeDeliveryStore {
  /** Orgs with a notice due at `now`, the longest waiting first, at most `limit` (across the shards). */
  dueOrgs(now: Date, limit: number): Promise<string[]>;
  /** The org's place on the work list (its `seq` moves with every enqueue), or undefined if it has none. */
  dueEntry(orgId: string): Promise<{ seq: number } | undefined>;
  /** The org's undelivered notices, oldest first, read strongly consistent. */
  pendingOf(orgId: string, limit: number): Promise<PendingNotice[]>;
  getNotice(orgId: string, noticeId: string): Promise<Notice | undefined>;
  claimDelivery(
    delivery: Omit<Delivery, 'status' | 'claimedAt'>,
    staleAfterMs: number,
  ): Promise<'claimed' | 'sent' | 'busy'>;
  releaseDelivery(delivery: Pick<Delivery, 'orgId' | 'noticeId' | 'contactId'>): Promise<void>;
  markSent(delivery: Pick<Delivery, 'orgId' | 'noticeId' | 'contactId'>, messageId: string): Promise<void>;
  /** Every recipient has it: `delivered`, off the org's pending list. */
  markDelivered(notice: Notice): Promise<void>;
  /** An attempt failed: pending again from `nextAttemptAt`, or `failed` (off the pending list). */
  recordFailedAttempt(
    notice: Notice,
    attempts: number,
    error: string,
    outcome: { status: 'failed' } | { status: 'pending'; nextAttemptAt: string },
  ): Promise<void>;
  /**
   * Moves the org's work-list entry to `dueAt`, or removes it (null) — only if no notice was enqueued
   * since `seq` was read (an enqueue makes the org due at once, which must not be undone).
   */
  reschedule(orgId: string, seq: number, dueAt: string | null): Promise<void>;
  listNotices(orgId: string, options: ListOptions): Promise<Page<Notice & { deliveries: Delivery[] }>>;
}

/** Sends one message; SES on AWS, a file per message locally. Returns the provider's message id. */
export interface NoticeSender {
  send(message: { to: string; subject: string; body: string; noticeId: string }): Promise<string>;
}
