import { listNotifications } from '../../app/list-notifications';
import { deps } from '../../composition';
import { encodeNotification } from './encode-contacts';
import { encodePage } from './encode-core';
import { httpHandler, ok } from './http-handler';

export const handler = httpHandler('listNotifications', async ({ params, query }) =>
  ok(encodePage(await listNotifications(deps(), params.org, query), encodeNotification)),
);
