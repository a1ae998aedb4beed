import { deps } from '../../kernel/compose';
import { httpHandler, noContent } from '../../kernel/http/http-handler';
import { removeContact } from '../app/contacts';

export const handler = httpHandler('removeContact', async ({ params, ctx }) => {
  await removeContact(deps(), ctx, params.org, params.id);
  return noContent();
});
