import type { ListOptions } from '../../kernel/ports';
import type { NoticeDeliveryStore } from '../ports';

export const listNotifications = (
  deps: { notices: Pick<NoticeDeliveryStore, 'listNotices'> },
  orgId: string,
  options: ListOptions,
) => deps.notices.listNotices(orgId, options);
