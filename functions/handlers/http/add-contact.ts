import { addContact } from '../../app/contacts';
import { deps } from '../../composition';
import { encodeContact } from './encode-contacts';
import { created, httpHandler } from './http-handler';

export const handler = httpHandler('addContact', async ({ params, body, ctx }) =>
  created(
    encodeContact(
      await addContact(deps(), ctx, {
        orgId: params.org,
        name: body.name,
        email: body.email,
        noticeKinds: body.notice_kinds,
      }),
    ),
  ),
);
