import { auditEntry } from '../../kernel/audit-entry';
import type { Clock } from '../../kernel/clock';
import type { CallContext, IdGenerator, ListOptions } from '../../kernel/ports';
import type { Contact, NoticeKind } from '../domain/notices';
import type { ContactStore } from '../ports';

type ContactDeps = {
  clock: Clock;
  ids: IdGenerator;
  contacts: ContactStore;
  /** Every contact receives the platform's mail: the cap keeps one org from turning it into a mailing list. */
  maxContactsPerOrg: number;
};

export interface AddContactInput {
  orgId: string;
  name: string;
  email: string;
  noticeKinds: readonly NoticeKind[];
}

/** A billing contact: a mailbox that receives the chosen notice kinds; not a user, not an admin. */
export async function addContact(deps: ContactDeps, ctx: CallContext, input: AddContactInput): Promise<Contact> {
  const contact: Contact = {
    id: deps.ids.next('ctc'),
    orgId: input.orgId,
    name: input.name,
    email: input.email.toLowerCase(),
    noticeKinds: [...new Set(input.noticeKinds)],
    createdAt: deps.clock.now().toISOString(),
  };
  await deps.contacts.addContact(
    contact,
    auditEntry(deps, ctx, {
      orgId: input.orgId,
      action: 'contact.added',
      target: { type: 'contact', id: contact.id },
      before: null,
      after: contact,
    }),
    deps.maxContactsPerOrg,
  );
  return contact;
}

export const listContacts = (deps: ContactDeps, orgId: string, options: ListOptions) =>
  deps.contacts.listContacts(orgId, options);

export async function removeContact(deps: ContactDeps, ctx: CallContext, orgId: string, contactId: string) {
  await deps.contacts.removeContact(orgId, contactId, (removed) =>
    auditEntry(deps, ctx, {
      orgId,
      action: 'contact.removed',
      target: { type: 'contact', id: contactId },
      before: removed,
      after: null,
    }),
  );
}
