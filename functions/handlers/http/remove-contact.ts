import { removeContact } from '../../app/contacts';
import { deps } from '../../composition';
import { httpHandler, noContent } from './http-handler';

export const handler = httpHandler('removeContact', async ({ params, ctx }) => {
  await removeContact(deps(), ctx, params.org, params.id);
  return noContent();
});
