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
  /** Absent on items written before statuses existed: see `statusOf`. */
  readonly status?: NoticeStatus;
  /** Delivery attempts that failed so far. */
  readonly attempts?: number;
  /** The last failed attempt's error code. */
  readonly lastError?: string;
  /** While pending after a failed attempt: not tried again before this instant. */
  readonly nextAttemptAt?: string;
  /** Set once every recipient's delivery is recorded. */
  readonly deliveredAt?: string;
  /** Set when the last allowed attempt failed. */
  readonly failedAt?: string;
  /** Why a suppressed notice was not sent (`daily_limit`). */
  readonly suppressedReason?: string;
}

/** A notice still to deliver, as the org's pending list holds it. */
export interface PendingNotice {
  readonly noticeId: string;
  readonly attempts: number;
  readonly nextAttemptAt: string;
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

/**
 * Where a notice stands: `pending` until every recipient has it; `delivered`; `failed` after the last
 * attempt the policy allows; `suppressed` when the org had reached its daily notice limit (recorded and
 * listed, never mailed).
 */
export type NoticeStatus = 'pending' | 'delivered' | 'failed' | 'suppressed';

/** A notice's status; items written before statuses existed have only `deliveredAt`. */
export const statusOf = (notice: Notice): NoticeStatus =>
  notice.status ?? (notice.deliveredAt ? 'delivered' : 'pending');

/**
 * How delivery retries and shares the platform's mail among orgs. A failed attempt waits
 * `baseDelayMs · 2^(attempt-1)` (at most `maxDelayMs`) before the next; after `maxAttempts` the notice is
 * `failed`. Each run serves the orgs that have waited longest, at most `maxOrgsPerRun` of them and
 * `maxNoticesPerOrgPerRun` notices each, and starts no new notice once `maxMessagesPerRun` messages went
 * out: bounded work per run, and one org's backlog or failing mailbox cannot hold another org's notice
 * back by more than a run.
 */
export interface DeliveryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxOrgsPerRun: number;
  readonly maxNoticesPerOrgPerRun: number;
  readonly maxMessagesPerRun: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  // 1, 2, 4, 8, 16 minutes apart: about half an hour of trying before a notice is given up.
  maxAttempts: 6,
  baseDelayMs: 60_000,
  maxDelayMs: 3_600_000,
  maxOrgsPerRun: 50,
  maxNoticesPerOrgPerRun: 10,
  maxMessagesPerRun: 300,
};

/** What follows the `attempts`-th failed attempt (1 = the first). */
export function afterFailedAttempt(
  attempts: number,
  at: Date,
  policy: DeliveryPolicy = DEFAULT_DELIVERY_POLICY,
): { status: 'failed' } | { status: 'pending'; nextAttemptAt: string } {
  if (attempts >= policy.maxAttempts) return { status: 'failed' };
  const delay = Math.min(policy.baseDelayMs * 2 ** (attempts - 1), policy.maxDelayMs);
  return { status: 'pending', nextAttemptAt: new Date(at.getTime() + delay).toISOString() };
}

/**
 * A subject line safe to send from the platform's address. Subjects may carry text an org's users wrote
 * (a budget's name), so: no control or invisible formatting characters (no header folding, no
 * right-to-left overrides that disguise what is read), whitespace collapsed, links and addresses
 * defanged (`example[.]com`, `hxxps://`) so the platform's mail cannot carry a clickable phishing
 * target, and at most 120 characters.
 */
export function sanitizeSubject(subject: string): string {
  const plain = subject
    .normalize('NFKC')
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const defanged = plain
    .replace(/\bhttp(s?):\/\//gi, 'hxxp$1://')
    .replace(/(?<=[a-z0-9-])\.(?=[a-z]{2,24}\b)/gi, '[.]');
  return defanged.length > 120 ? `${defanged.slice(0, 119)}…` : defanged;
}

/** A body keeps its lines, but no control characters other than the line break. */
export const sanitizeBody = (body: string): string => body.normalize('NFKC').replace(/[\p{Cf}]|[^\P{Cc}\n]/gu, '');
