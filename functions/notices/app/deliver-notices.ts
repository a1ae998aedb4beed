import { recipientsFor } from '../domain/notices';
import type { ContactStore, NoticeDeliveryStore, NoticeSender } from '../ports';

type DeliveryDeps = {
  notices: NoticeDeliveryStore;
  contacts: Pick<ContactStore, 'listContacts'>;
  noticeSender: NoticeSender;
};

/** A claim older than this is taken to belong to a run that died mid-send. */
const STALE_CLAIM_MS = 5 * 60_000;

export interface DeliveryReport {
  notices: number;
  sent: number;
  skipped: number;
  failed: number;
}

/**
 * Sends pending notices to the contacts subscribed to their kind. Each (notice, contact) is claimed
 * before sending and marked sent after, so runs that overlap or repeat never mail a contact twice.
 * A failed send leaves the notice pending for the next run; a notice with no subscribed contact is
 * still recorded (and visible in the notifications list), with no delivery.
 */
export async function deliverPendingNotices(deps: DeliveryDeps, limit = 50): Promise<DeliveryReport> {
  const report: DeliveryReport = { notices: 0, sent: 0, skipped: 0, failed: 0 };
  for (const notice of await deps.notices.pending(limit)) {
    report.notices += 1;
    const contacts = recipientsFor((await deps.contacts.listContacts(notice.orgId, { limit: 100 })).data, notice.kind);
    let complete = true;
    for (const contact of contacts) {
      const delivery = { orgId: notice.orgId, noticeId: notice.id, contactId: contact.id, email: contact.email };
      const claim = await deps.notices.claimDelivery(delivery, STALE_CLAIM_MS);
      if (claim !== 'claimed') {
        // Sent earlier, or being sent by an overlapping run: stay pending until it is marked sent.
        if (claim === 'busy') complete = false;
        report.skipped += 1;
        continue;
      }
      try {
        const messageId = await deps.noticeSender.send({
          to: contact.email,
          subject: notice.subject,
          body: notice.body,
          noticeId: notice.id,
        });
        await deps.notices.markSent(delivery, messageId);
        report.sent += 1;
      } catch {
        complete = false;
        report.failed += 1;
        await deps.notices.releaseDelivery(delivery);
      }
    }
    if (complete) await deps.notices.markDelivered(notice);
  }
  return report;
}
