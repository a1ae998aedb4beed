/** Kinds of notice billing contacts can subscribe to. */
export const NOTICE_KINDS = [
  'invoice',
  'payment_failed',
  'budget',
  'dunning',
  'dispute',
  'contract',
  'anomaly',
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/**
 * Billing contacts receive notices (invoices, payment failures, budgets, dunning, disputes,
 * contracts, runaway-usage anomalies). They are not users: a contact is a mailbox with the notice kinds it wants, kept apart
 * from the people who administer billing.
 */
export interface Contact {
  readonly id: string;
  readonly orgId: string;
  readonly name: string;
  readonly email: string;
  readonly noticeKinds: readonly NoticeKind[];
  readonly createdAt: string;
}

/** One notice in the outbox, recorded once per (org, cause). */
export interface Notice {
  readonly id: string;
  readonly orgId: string;
  readonly kind: NoticeKind;
  readonly cause: string;
  readonly subject: string;
  readonly body: string;
  readonly data?: Record<string, unknown>;
  readonly createdAt: string;
  /** Set once every recipient's delivery is recorded. */
  readonly deliveredAt?: string;
}

/** One message to one contact: claimed before sending, marked sent after. */
export interface Delivery {
  readonly noticeId: string;
  readonly orgId: string;
  readonly contactId: string;
  readonly email: string;
  readonly status: 'sending' | 'sent';
  readonly claimedAt: string;
  readonly sentAt?: string;
  readonly messageId?: string;
}

export const recipientsFor = (contacts: readonly Contact[], kind: NoticeKind): Contact[] =>
  contacts.filter((c) => c.noticeKinds.includes(kind));
