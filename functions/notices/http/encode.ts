import { type Contact, type Delivery, type Notice, statusOf } from '../domain/notices';

export const encodeContact = (c: Contact) => ({
  id: c.id,
  name: c.name,
  email: c.email,
  notice_kinds: [...c.noticeKinds],
  created_at: c.createdAt,
});

export const encodeNotification = (n: Notice & { deliveries: Delivery[] }) => ({
  id: n.id,
  kind: n.kind,
  cause: n.cause,
  subject: n.subject,
  body: n.body,
  created_at: n.createdAt,
  status: statusOf(n),
  attempts: n.attempts ?? 0,
  last_error: n.lastError ?? null,
  next_attempt_at: statusOf(n) === 'pending' ? (n.nextAttemptAt ?? null) : null,
  delivered_at: n.deliveredAt ?? null,
  failed_at: n.failedAt ?? null,
  recipients: n.deliveries.map((d) => ({
    contact_id: d.contactId,
    email: d.email,
    status: d.status,
    sent_at: d.sentAt ?? null,
  })),
});
