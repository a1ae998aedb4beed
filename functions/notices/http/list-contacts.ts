import { encodePage } from '../../kernel/http/encode';
import { httpHandler, ok } from '../../kernel/http/http-handler';
import { listContacts } from '../app/contacts';
import { deps } from '../compose';
import { CONTACTS_CONTRACT } from '../contract';
import { encodeContact } from './encode';

export const handler = httpHandler(CONTACTS_CONTRACT, 'listContacts', async ({ params, query }) =>
  ok(encodePage(await listContacts(deps(), params.org, query), encodeContact)),
);
