import { encodePage } from '../../kernel/http/encode';
import { httpHandler, ok } from '../../kernel/http/http-handler';
import { listNotifications } from '../app/list-notifications';
import { deps } from '../compose';
import { CONTACTS_CONTRACT } from '../contract';
import { encodeNotification } from './encode';

export const handler = httpHandler(CONTACTS_CONTRACT, 'listNotifications', async ({ params, query }) =>
  ok(encodePage(await listNotifications(deps(), params.org, query), encodeNotification)),
);
