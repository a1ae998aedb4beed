import * as z from 'zod';
import { IsoTimestamp, ListQuery, listOf, OrgId, OrgPath } from '../kernel/http/contract';
import { NOTICE_KINDS } from './domain/notices';

export const ContactRequest = z.strictObject({
  name: z.string().trim().min(1).max(200),
  email: z.email().max(254),
  notice_kinds: z.array(z.enum(NOTICE_KINDS)).min(1),
});

export const ContactResponse = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  notice_kinds: z.array(z.enum(NOTICE_KINDS)),
  created_at: IsoTimestamp,
});

export const NotificationResponse = z.object({
  id: z.string(),
  kind: z.enum(NOTICE_KINDS),
  cause: z.string(),
  subject: z.string(),
  body: z.string(),
  created_at: IsoTimestamp,
  /** pending → delivered; or failed after the last attempt; suppressed: past the org's daily notice limit. */
  status: z.enum(['pending', 'delivered', 'failed', 'suppressed']),
  /** Delivery attempts that failed so far, the last one's error code, and when the next one is due. */
  attempts: z.number().int(),
  last_error: z.string().nullable(),
  next_attempt_at: IsoTimestamp.nullable(),
  delivered_at: IsoTimestamp.nullable(),
  failed_at: IsoTimestamp.nullable(),
  recipients: z.array(
    z.object({
      contact_id: z.string(),
      email: z.string(),
      status: z.enum(['sending', 'sent']),
      sent_at: IsoTimestamp.nullable(),
    }),
  ),
});

export const CONTACTS_CONTRACT = {
  listContacts: { params: OrgPath, query: ListQuery, responses: { 200: listOf(ContactResponse) } },
  addContact: { params: OrgPath, body: ContactRequest, responses: { 201: ContactResponse } },
  removeContact: { params: z.object({ org: OrgId, id: z.string().min(1).max(64) }), responses: { 204: z.null() } },
  listNotifications: { params: OrgPath, query: ListQuery, responses: { 200: listOf(NotificationResponse) } },
} as const;

/** The sections of the billing export this capability contributes, with their schemas. */
export const NOTICES_EXPORT_SECTIONS = { contacts: ContactResponse, notices: NotificationResponse } as const;
