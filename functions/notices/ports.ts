import type { AuditEntry } from '../kernel/audit';
import type { ListOptions, Page } from '../kernel/ports';
import type { Contact, Delivery, Notice } from './domain/notices';

/**
 * The notice outbox: one record per notice, deduplicated by `cause` (e.g. `budget:<id>:<period>:80`),
 * so a retried job or redelivered batch never sends twice. Delivery to each contact subscribed to
 * `kind` happens from the outbox through a sender port (SES on AWS, files under .data/ locally).
 */
export type NoticeRequest = Pick<Notice, 'orgId' | 'kind' | 'cause' | 'subject' | 'body' | 'data'>;

export interface NoticeOutbox {
  /** Records the notice once per (org, cause); returns false when it was already recorded. */
  enqueue(notice: NoticeRequest): Promise<boolean>;
}

/** Billing contacts, stored per org; every change carries its audit entry. */
export interface ContactStore {
  addContact(contact: Contact, audit: AuditEntry): Promise<void>;
  listContacts(orgId: string, options: ListOptions): Promise<Page<Contact>>;
  removeContact(orgId: string, contactId: string, audit: (removed: Contact) => AuditEntry): Promise<void>;
}

/** The outbox's delivery side: pending notices and exactly-once claims per (notice, contact). */
export interface NoticeDeliveryStore {
  pending(limit: number): Promise<Notice[]>;
  claimDelivery(
    delivery: Omit<Delivery, 'status' | 'claimedAt'>,
    staleAfterMs: number,
  ): Promise<'claimed' | 'sent' | 'busy'>;
  releaseDelivery(delivery: Pick<Delivery, 'orgId' | 'noticeId' | 'contactId'>): Promise<void>;
  markSent(delivery: Pick<Delivery, 'orgId' | 'noticeId' | 'contactId'>, messageId: string): Promise<void>;
  markDelivered(notice: Notice): Promise<void>;
  listNotices(orgId: string, options: ListOptions): Promise<Page<Notice & { deliveries: Delivery[] }>>;
}

/** Sends one message; SES on AWS, a file per message locally. Returns the provider's message id. */
export interface NoticeSender {
  send(message: { to: string; subject: string; body: string; noticeId: string }): Promise<string>;
}
