import { deps } from '../../kernel/compose';
import { httpHandler, ok } from '../../kernel/http/http-handler';
import { encodePage } from '../../orgs/http/encode';
import { listContacts } from '../app/contacts';
import { encodeContact } from './encode';

export const handler = httpHandler('listContacts', async ({ params, query }) =>
  ok(encodePage(await listContacts(deps(), params.org, query), encodeContact)),
);
