import { listContacts } from '../../app/contacts';
import { deps } from '../../composition';
import { encodeContact } from './encode-contacts';
import { encodePage } from './encode-core';
import { httpHandler, ok } from './http-handler';

export const handler = httpHandler('listContacts', async ({ params, query }) =>
  ok(encodePage(await listContacts(deps(), params.org, query), encodeContact)),
);
