import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../functions/kernel/config';
import { deliverPendingNotices } from '../../../functions/notices/app/deliver-notices';
import type { NoticeSender } from '../../../functions/notices/ports';
import { buildDeps } from '../../support/deps';
import { startTestApi, type TestApi, type TestOrg } from '../support/api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const addContact = (org: TestOrg, body: unknown) =>
  api.request('POST /v1/orgs/{org}/contacts', { token: org.tokens.billing_admin, params: { org: org.id }, body });

/** A sender that records what it was asked to send, in front of the real file sender. */
function recordingSender(dir: string, failFor: Set<string> = new Set()) {
  const sent: { to: string; noticeId: string }[] = [];
  const deps = buildDeps({ ...loadConfig(), notificationsDir: dir });
  const real = deps.noticeSender;
  const sender: NoticeSender = {
    send: async (m) => {
      if (failFor.has(m.to)) throw new Error('mailbox unavailable');
      sent.push({ to: m.to, noticeId: m.noticeId });
      return real.send(m);
    },
  };
  return { deps: { ...deps, noticeSender: sender }, sent };
}

describe('billing contacts', () => {
  it('adds, lists and removes contacts, each with the notice kinds it wants, with audit entries', async () => {
    const org = await api.newOrg();
    const added = await addContact(org, {
      name: 'Accounts Payable',
      email: 'AP@Example.com',
      notice_kinds: ['invoice', 'payment_failed'],
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ email: 'ap@example.com', notice_kinds: ['invoice', 'payment_failed'] });
    const list = await api.request('GET /v1/orgs/{org}/contacts', { token: org.tokens.owner, params: { org: org.id } });
    expect(list.body.data.map((c: { id: string }) => c.id)).toEqual([added.body.id]);
    const removed = await api.request('DELETE /v1/orgs/{org}/contacts/{id}', {
      token: org.tokens.owner,
      params: { org: org.id, id: added.body.id },
    });
    expect(removed.status).toBe(204);
    const again = await api.request('DELETE /v1/orgs/{org}/contacts/{id}', {
      token: org.tokens.owner,
      params: { org: org.id, id: added.body.id },
    });
    expect(again.status).toBe(404);
    const audit = await api.request('GET /v1/orgs/{org}/audit', { token: org.tokens.owner, params: { org: org.id } });
    expect(audit.body.data.map((e: { action: string }) => e.action).slice(0, 2)).toEqual([
      'contact.removed',
      'contact.added',
    ]);
  });

  it('rejects an invalid email and an unknown notice kind with field paths', async () => {
    const org = await api.newOrg();
    const res = await addContact(org, { name: 'x', email: 'not-an-email', notice_kinds: ['gossip'] });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['email', 'notice_kinds.0']);
  });
});

describe('the notice outbox', () => {
  it('records a notice once per cause and mails each subscribed contact exactly once across retried runs', async () => {
    const org = await api.newOrg();
    await addContact(org, { name: 'Finance', email: 'finance@example.com', notice_kinds: ['budget', 'invoice'] });
    await addContact(org, { name: 'CTO', email: 'cto@example.com', notice_kinds: ['budget'] });
    await addContact(org, { name: 'AP', email: 'ap@example.com', notice_kinds: ['invoice'] });
    const dir = mkdtempSync(join(tmpdir(), 'notices-'));
    const { deps, sent } = recordingSender(dir);
    const notice = {
      orgId: org.id,
      kind: 'budget' as const,
      cause: 'budget:b1:2026-11:80',
      subject: '80% of budget',
      body: 'Spend reached 80%.',
    };
    expect(await deps.notices.enqueue(notice)).toBe(true);
    expect(await deps.notices.enqueue(notice)).toBe(false);

    await Promise.all([deliverPendingNotices(deps), deliverPendingNotices(deps)]);
    await deliverPendingNotices(deps);
    const mine = sent.filter((s) => s.to.endsWith('example.com'));
    expect(mine.map((s) => s.to).sort()).toEqual(['cto@example.com', 'finance@example.com']);
    const files = readdirSync(join(dir, mine[0]!.noticeId)).sort();
    expect(files).toEqual(['cto@example.com.txt', 'finance@example.com.txt']);
    expect(readFileSync(join(dir, mine[0]!.noticeId, files[0]!), 'utf8')).toContain('Subject: 80% of budget');

    const listed = await api.request('GET /v1/orgs/{org}/notifications', {
      token: org.tokens.owner,
      params: { org: org.id },
    });
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.data[0]).toMatchObject({
      kind: 'budget',
      cause: 'budget:b1:2026-11:80',
      delivered_at: expect.any(String),
    });
    expect(
      listed.body.data[0].recipients.map((r: { email: string; status: string }) => `${r.email}:${r.status}`).sort(),
    ).toEqual(['cto@example.com:sent', 'finance@example.com:sent']);
  });

  it('keeps a notice pending while a recipient fails and sends only the missing message on the next run', async () => {
    const org = await api.newOrg();
    await addContact(org, { name: 'A', email: 'ok@example.org', notice_kinds: ['dunning'] });
    await addContact(org, { name: 'B', email: 'flaky@example.org', notice_kinds: ['dunning'] });
    const dir = mkdtempSync(join(tmpdir(), 'notices-'));
    const failing = recordingSender(dir, new Set(['flaky@example.org']));
    await failing.deps.notices.enqueue({
      orgId: org.id,
      kind: 'dunning',
      cause: `dunning:${org.id}:past_due`,
      subject: 'Payment failed',
      body: '…',
    });
    await deliverPendingNotices(failing.deps);
    expect(failing.sent.filter((s) => s.to.endsWith('example.org')).map((s) => s.to)).toEqual(['ok@example.org']);

    const healed = recordingSender(dir);
    await deliverPendingNotices(healed.deps);
    expect(healed.sent.filter((s) => s.to.endsWith('example.org')).map((s) => s.to)).toEqual(['flaky@example.org']);
  });
});
