import type { ListOptions, NoticeDeliveryStore } from '../../kernel/ports';

export const listNotifications = (
  deps: { notices: Pick<NoticeDeliveryStore, 'listNotices'> },
  orgId: string,
  options: ListOptions,
) => deps.notices.listNotices(orgId, options);
