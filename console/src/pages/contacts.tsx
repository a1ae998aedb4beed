import { useState } from 'preact/hooks';
import { idempotencyKey, must } from '../api';
import { formatDateTime } from '../format';
import { ConfirmAction, ErrorNotice, type PageContext, Section, Show, useLoad } from '../ui';

/** Who receives billing notices (mailboxes, not users), and the notices sent to them. */
const KIND_WORDS: Record<string, string> = {
  invoice: 'Invoices',
  payment_failed: 'Failed payments',
  budget: 'Budget alerts',
  dunning: 'Dunning steps',
  dispute: 'Disputes',
  contract: 'Contracts',
  anomaly: 'Runaway usage',
};

export function ContactsPage(ctx: PageContext) {
  const { api, caps, session } = ctx;
  const path = { org: session.orgId };
  const contacts = useLoad(
    () => must(api.GET('/v1/orgs/{org}/contacts', { params: { path, query: { limit: 100 } } })),
    [session.orgId],
  );
  const notices = useLoad(
    () =>
      caps.can('listNotifications')
        ? must(api.GET('/v1/orgs/{org}/notifications', { params: { path, query: { limit: 25 } } }))
        : Promise.resolve(undefined),
    [session.orgId],
  );
  // The notice kinds come from the API's own schema, so a new kind shows up without a console change.
  const kinds = caps.bodyEnum('addContact', 'notice_kinds');
  return (
    <>
      <Section title="Billing contacts" id="contacts">
        <Show loaded={contacts} what="contacts">
          {(list) =>
            list.data.length ? (
              <div class="table-wrap">
                <table data-testid="contacts-table">
                  <caption>Who receives billing notices</caption>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Email</th>
                      <th scope="col">Receives</th>
                      <th scope="col">Actions</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.data.map((c) => (
                      <tr key={c.id}>
                        <th scope="row">{c.name}</th>
                        <td>{c.email}</td>
                        <td>{c.notice_kinds.map((k) => KIND_WORDS[k] ?? k).join(', ')}</td>
                        <td>
                          {caps.can('removeContact') ? (
                            <ConfirmAction
                              label={`Remove ${c.name}`}
                              confirmLabel="Remove contact"
                              danger
                              consequences={<p>{c.email} stops receiving billing notices.</p>}
                              run={async () => {
                                await must(
                                  api.DELETE('/v1/orgs/{org}/contacts/{id}', {
                                    params: {
                                      path: { ...path, id: c.id },
                                      header: { 'Idempotency-Key': idempotencyKey() },
                                    },
                                  }),
                                );
                                return `${c.name} was removed.`;
                              }}
                              onDone={contacts.reload}
                            />
                          ) : null}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <p>No billing contacts yet: invoices and payment problems reach nobody.</p>
            )
          }
        </Show>
        {caps.can('addContact') ? <AddContact ctx={ctx} kinds={kinds} onAdded={contacts.reload} /> : null}
      </Section>
      {caps.can('listNotifications') ? (
        <Section title="Notices sent" id="notices">
          <Show loaded={notices} what="notices">
            {(list) =>
              list?.data.length ? (
                <ul class="notices">
                  {list.data.map((n) => (
                    <li key={n.id}>
                      <strong>{n.subject}</strong> <span class="muted">({KIND_WORDS[n.kind] ?? n.kind})</span>
                      <br />
                      {formatDateTime(n.created_at)} →{' '}
                      {n.recipients.map((r) => `${r.email} (${r.status})`).join(', ') || 'nobody'}
                    </li>
                  ))}
                </ul>
              ) : (
                <p class="muted">No notices sent yet.</p>
              )
            }
          </Show>
        </Section>
      ) : null}
    </>
  );
}

function AddContact({ ctx, kinds, onAdded }: { ctx: PageContext; kinds: string[]; onAdded(): void }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [chosen, setChosen] = useState<string[]>(kinds.filter((k) => k !== 'contract'));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  return (
    <form
      class="add-contact"
      aria-label="Add a billing contact"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        try {
          await must(
            ctx.api.POST('/v1/orgs/{org}/contacts', {
              params: { path: { org: ctx.session.orgId }, header: { 'Idempotency-Key': idempotencyKey() } },
              body: { name, email, notice_kinds: chosen as never[] },
            }),
          );
          setName('');
          setEmail('');
          onAdded();
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h3>Add a contact</h3>
      <div class="controls">
        <label for="contact-name">
          Name
          <input
            id="contact-name"
            required
            value={name}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
        </label>
        <label for="contact-email">
          Email
          <input
            id="contact-email"
            type="email"
            required
            value={email}
            onInput={(e) => setEmail((e.target as HTMLInputElement).value)}
          />
        </label>
      </div>
      <fieldset>
        <legend>Sends them</legend>
        {kinds.map((k) => (
          <label key={k} class="checkbox">
            <input
              type="checkbox"
              checked={chosen.includes(k)}
              onChange={(e) =>
                setChosen((e.target as HTMLInputElement).checked ? [...chosen, k] : chosen.filter((x) => x !== k))
              }
            />{' '}
            {KIND_WORDS[k] ?? k}
          </label>
        ))}
      </fieldset>
      <button type="submit" class="primary" disabled={busy || !chosen.length}>
        {busy ? 'Adding…' : 'Add contact'}
      </button>
      {error ? <ErrorNotice error={error} title="The contact was not added" /> : null}
    </form>
  );
}
