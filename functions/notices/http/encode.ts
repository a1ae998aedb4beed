import type { Contact, Delivery, Notice } from '../domain/notices';

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
  delivered_at: n.deliveredAt ?? null,
  recipients: n.deliveries.map((d) => ({
    contact_id: d.contactId,
    email: d.email,
    status: d.status,
    sent_at: d.sentAt ?? null,
  })),
});
