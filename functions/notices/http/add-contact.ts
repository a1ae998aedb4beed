import { created, httpHandler } from '../../kernel/http/http-handler';
import { addContact } from '../app/contacts';
import { deps } from '../compose';
import { CONTACTS_CONTRACT } from '../contract';
import { encodeContact } from './encode';

export const handler = httpHandler(CONTACTS_CONTRACT, 'addContact', async ({ params, body, ctx }) =>
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
