import type { Kernel } from '../kernel/compose';
import { DynamoNoticeStore } from './adapters/notice-store';
import type { NoticeOutbox } from './ports';

/** The notice outbox other capabilities enqueue into (budgets, dunning, invoices, …). */
export const noticeOutbox = (k: Kernel): NoticeOutbox =>
  new DynamoNoticeStore(k.db, k.config.tableName, k.clock, k.ids, k.config.maxNoticesPerOrgPerDay);
