import { httpHandler, noContent } from '../../kernel/http/http-handler';
import { removeContact } from '../app/contacts';
import { deps } from '../compose';
import { CONTACTS_CONTRACT } from '../contract';

export const handler = httpHandler(CONTACTS_CONTRACT, 'removeContact', async ({ params, ctx }) => {
  await removeContact(deps(), ctx, params.org, params.id);
  return noContent();
});
