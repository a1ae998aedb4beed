import { deps } from '../../kernel/compose';
import { httpHandler, ok } from '../../kernel/http/http-handler';
import { encodePage } from '../../orgs/http/encode';
import { listNotifications } from '../app/list-notifications';
import { encodeNotification } from './encode';

export const handler = httpHandler('listNotifications', async ({ params, query }) =>
  ok(encodePage(await listNotifications(deps(), params.org, query), encodeNotification)),
);
