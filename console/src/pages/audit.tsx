import { useEffect, useState } from 'preact/hooks';
import { must } from '../api';
import { formatDateTime, ROLE_NAMES } from '../format';
import { ErrorNotice, type PageContext, Section } from '../ui';

/** Every billing change, newest first: who, what, on what, before and after; a page at a time (cursor). */
type Entry = {
  id: string;
  at: string;
  action: string;
  actor: { type: string; id: string; role?: string };
  target: { type: string; id: string };
  before?: unknown;
  after?: unknown;
};

export function AuditPage(ctx: PageContext) {
  const [entries, setEntries] = useState<Entry[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const load = async (from?: string) => {
    setBusy(true);
    try {
      const page = await must(
        ctx.api.GET('/v1/orgs/{org}/audit', {
          params: { path: { org: ctx.session.orgId }, query: { limit: 25, ...(from ? { cursor: from } : {}) } },
        }),
      );
      setEntries((e) => (from ? [...e, ...page.data] : page.data));
      setCursor(page.next_cursor);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void load();
  }, [ctx.session.orgId]);
  return (
    <Section title="Audit trail" id="audit">
      {error ? <ErrorNotice error={error} title="Could not load the audit trail" /> : null}
      <div class="table-wrap">
        <table data-testid="audit-table">
          <caption>Billing changes, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">On</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td>{formatDateTime(e.at)}</td>
                <td>
                  {e.actor.id}
                  {e.actor.role ? <span class="muted"> ({ROLE_NAMES[e.actor.role] ?? e.actor.role})</span> : null}
                </td>
                <th scope="row">
                  <code>{e.action}</code>
                </th>
                <td>
                  {e.target.type} <code>{e.target.id}</code>
                </td>
                <td>
                  <details>
                    <summary>Before and after</summary>
                    <div class="diff">
                      <div>
                        <h4>Before</h4>
                        <pre>{JSON.stringify(e.before ?? null, null, 2)}</pre>
                      </div>
                      <div>
                        <h4>After</h4>
                        <pre>{JSON.stringify(e.after ?? null, null, 2)}</pre>
                      </div>
                    </div>
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {busy ? (
        <p class="muted" role="status">
          Loading…
        </p>
      ) : null}
      {cursor ? (
        <button type="button" onClick={() => load(cursor)} disabled={busy}>
          Show older entries
        </button>
      ) : null}
      {!busy && cursor === null && !entries.length ? <p>No billing changes recorded yet.</p> : null}
    </Section>
  );
}
