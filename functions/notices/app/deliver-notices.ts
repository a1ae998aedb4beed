import type { Clock } from '../../kernel/clock';
import { isAppError } from '../../kernel/errors';
import { logger } from '../../kernel/logger';
import {
  afterFailedAttempt,
  type Contact,
  type DeliveryPolicy,
  type Notice,
  type PendingNotice,
  recipientsFor,
  sanitizeSubject,
  statusOf,
} from '../domain/notices';
import type { ContactStore, NoticeDeliveryStore, NoticeSender } from '../ports';

type DeliveryDeps = {
  clock: Clock;
  notices: NoticeDeliveryStore;
  contacts: Pick<ContactStore, 'listContacts'>;
  noticeSender: NoticeSender;
  deliveryPolicy: DeliveryPolicy;
};

/** A claim older than this is taken to belong to a run that died mid-send. */
const STALE_CLAIM_MS = 5 * 60_000;
/** Contacts are read page by page: every subscribed contact gets the notice, not only the first page. */
const CONTACT_PAGE = 100;
/** An org's pending list is read this far per run (its oldest first); the rest wait their turn. */
const PENDING_READ = 100;

export interface DeliveryReport {
  orgs: number;
  notices: number;
  sent: number;
  skipped: number;
  /** Messages whose send failed this run (their notice is tried again later, or gives up). */
  failed: number;
  /** Notices that used their last attempt this run: now `failed`. */
  gaveUp: number;
  /** Orgs whose delivery broke this run (logged; they stay due and the next run tries again). */
  orgFailures: { orgId: string; code: string }[];
}

/**
 * Sends pending notices to the contacts subscribed to their kind, one org at a time, the orgs that have
 * waited longest first (see DeliveryPolicy for the bounds of a run). Each (notice, contact) is claimed
 * before sending and marked sent after, so runs that overlap or repeat never mail a contact twice. A
 * failed send makes the notice wait (backoff) and after the last attempt it is `failed`, visible in the
 * notifications list; an org whose processing breaks is logged and skipped, and the rest still run.
 * A notice with no subscribed contact is delivered to no one (and still listed).
 */
export async function deliverPendingNotices(deps: DeliveryDeps): Promise<DeliveryReport> {
  const policy = deps.deliveryPolicy;
  const now = deps.clock.now();
  const report: DeliveryReport = { orgs: 0, notices: 0, sent: 0, skipped: 0, failed: 0, gaveUp: 0, orgFailures: [] };
  for (const orgId of await deps.notices.dueOrgs(now, policy.maxOrgsPerRun)) {
    if (report.sent + report.failed >= policy.maxMessagesPerRun) break;
    report.orgs += 1;
    try {
      await deliverForOrg(deps, orgId, now, report);
    } catch (error) {
      const code = isAppError(error) ? error.code : 'unexpected';
      report.orgFailures.push({ orgId, code });
      logger.error('notice delivery failed for an org; retried next run', { org: orgId, code, error });
    }
  }
  return report;
}

async function deliverForOrg(deps: DeliveryDeps, orgId: string, now: Date, report: DeliveryReport): Promise<void> {
  const policy = deps.deliveryPolicy;
  const entry = await deps.notices.dueEntry(orgId);
  if (!entry) return;
  const nowIso = now.toISOString();
  const pending = await deps.notices.pendingOf(orgId, PENDING_READ);
  const due = pending.filter((p) => p.nextAttemptAt <= nowIso);
  let contacts: Contact[] | undefined;
  let taken = 0;
  let leftDue = false;
  for (const item of due) {
    if (taken >= policy.maxNoticesPerOrgPerRun || report.sent + report.failed >= policy.maxMessagesPerRun) {
      leftDue = true;
      break;
    }
    taken += 1;
    contacts ??= await allContacts(deps, orgId);
    await deliverNotice(deps, item, orgId, contacts, now, report);
  }
  // Its next turn: when its next notice may be tried; if it still has due ones (it used its share of
  // this run), from now, i.e. after every org that has waited longer.
  const remaining = await deps.notices.pendingOf(orgId, PENDING_READ);
  const earliest = remaining.map((p) => p.nextAttemptAt).sort()[0];
  const dueAt = earliest === undefined ? (leftDue ? nowIso : null) : earliest < nowIso || leftDue ? nowIso : earliest;
  await deps.notices.reschedule(orgId, entry.seq, dueAt);
}

async function allContacts(deps: DeliveryDeps, orgId: string): Promise<Contact[]> {
  const all: Contact[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.contacts.listContacts(orgId, { limit: CONTACT_PAGE, ...(cursor ? { cursor } : {}) });
    all.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

async function deliverNotice(
  deps: DeliveryDeps,
  item: PendingNotice,
  orgId: string,
  contacts: readonly Contact[],
  now: Date,
  report: DeliveryReport,
): Promise<void> {
  const notice: Notice | undefined = await deps.notices.getNotice(orgId, item.noticeId);
  if (!notice) return;
  // Its outcome and the removal of its pending item commit together, so this is only a stale read.
  if (statusOf(notice) !== 'pending') return;
  report.notices += 1;
  let busy = false;
  let error: string | undefined;
  for (const contact of recipientsFor(contacts, notice.kind)) {
    const delivery = { orgId, noticeId: notice.id, contactId: contact.id, email: contact.email };
    const claim = await deps.notices.claimDelivery(delivery, STALE_CLAIM_MS);
    if (claim !== 'claimed') {
      // Sent earlier, or being sent by an overlapping run: stay pending until it is marked sent.
      if (claim === 'busy') busy = true;
      report.skipped += 1;
      continue;
    }
    try {
      const messageId = await deps.noticeSender.send({
        to: contact.email,
        // Sanitized when recorded; again here for notices recorded before that (idempotent).
        subject: sanitizeSubject(notice.subject),
        body: notice.body,
        noticeId: notice.id,
      });
      await deps.notices.markSent(delivery, messageId);
      report.sent += 1;
    } catch (sendError) {
      error ??= isAppError(sendError) ? sendError.code : 'send_failed';
      report.failed += 1;
      await deps.notices.releaseDelivery(delivery);
    }
  }
  if (error !== undefined) {
    const attempts = item.attempts + 1;
    const outcome = afterFailedAttempt(attempts, now, deps.deliveryPolicy);
    if (outcome.status === 'failed') report.gaveUp += 1;
    await deps.notices.recordFailedAttempt(notice, attempts, error, outcome);
  } else if (!busy) {
    await deps.notices.markDelivered(notice);
  }
}
