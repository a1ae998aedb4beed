import type { ExportSources } from '../export/ports';
import type { Kernel } from '../kernel/compose';
import { mapStream } from '../kernel/streams';
import { DynamoNoticeStore } from './adapters/notice-store';
import { encodeContact, encodeNotification } from './http/encode';
import type { NoticeOutbox } from './ports';

/** The notice outbox other capabilities enqueue into (budgets, dunning, invoices, …). */
export const noticeOutbox = (k: Kernel): NoticeOutbox =>
  new DynamoNoticeStore(k.db, k.config.tableName, k.clock, k.ids, k.config.maxNoticesPerOrgPerDay);

/** Billing contacts and every notice recorded (with its recipients), as sections of the billing export. */
export function noticeExportSections(k: Kernel): Pick<ExportSources, 'contacts' | 'notices'> {
  const store = new DynamoNoticeStore(k.db, k.config.tableName, k.clock, k.ids, k.config.maxNoticesPerOrgPerDay);
  return {
    contacts: { read: (orgId) => mapStream(store.allContacts(orgId), encodeContact) },
    notices: { read: (orgId) => mapStream(store.allNotices(orgId), encodeNotification) },
  };
}
