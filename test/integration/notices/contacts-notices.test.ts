import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { fixedClock } from '../../../functions/kernel/clock';
import { item } from '../../../functions/kernel/dynamo/items';
import { keys } from '../../../functions/kernel/dynamo/keys';
import { FileNoticeSender } from '../../../functions/notices/adapters/file-sender';
import { addContact as addContactUseCase } from '../../../functions/notices/app/contacts';
import { deliverPendingNotices } from '../../../functions/notices/app/deliver-notices';
import { DEFAULT_DELIVERY_POLICY, type NoticeKind } from '../../../functions/notices/domain/notices';
import type { NoticeSender } from '../../../functions/notices/ports';
import { buildDeps, type Deps, setDepsForTesting } from '../../support/deps';
import { startTestApi, type TestApi, type TestOrg } from '../support/api';
import { freshTableDeps } from '../support/fresh-table';

/**
 * Contacts and the notice outbox. The delivery schedule reads a work list spanning all orgs, so every
 * test gets a table of its own (the routes too, through setDepsForTesting) and a clock it moves.
 */
let api: TestApi;
let deps: Deps;
const clock = fixedClock('2026-11-30T22:00:00.000Z');
const minutes = (n: number) => n * 60_000;

beforeAll(async () => {
  api = await startTestApi();
});
beforeEach(async () => {
  clock.set('2026-11-30T22:00:00.000Z');
  deps = await freshTableDeps(clock);
  setDepsForTesting(deps);
});
afterAll(async () => {
  setDepsForTesting(undefined);
  await api.close();
});

/** A fresh table with other limits (config), used by the routes too. */
async function withLimits(limits: { maxContactsPerOrg?: number; maxNoticesPerOrgPerDay?: number }) {
  deps = buildDeps({ ...(await freshTableDeps(clock)).config, ...limits }, clock);
  setDepsForTesting(deps);
}

const addContact = (org: TestOrg, body: unknown) =>
  api.request('POST /v1/orgs/{org}/contacts', { token: org.tokens.billing_admin, params: { org: org.id }, body });

const contact = (orgId: string, email: string, kinds: NoticeKind[] = ['budget', 'dunning', 'invoice']) =>
  addContactUseCase(deps, { actor: { type: 'system', id: 'test' } }, { orgId, name: email, email, noticeKinds: kinds });

const notifications = async (org: TestOrg) => {
  const res = await api.request('GET /v1/orgs/{org}/notifications', {
    token: org.tokens.owner,
    params: { org: org.id },
    query: { limit: 100 },
  });
  expect(res.status).toBe(200);
  return res.body.data as {
    id: string;
    cause: string;
    subject: string;
    status: string;
    attempts: number;
    last_error: string | null;
    next_attempt_at: string | null;
    failed_at: string | null;
    delivered_at: string | null;
    recipients: { email: string; status: string }[];
  }[];
};

/** A sender that records what it sends (files under `dir`), failing for the addresses in `failFor`. */
function recordingSender(failFor: (to: string) => boolean = () => false) {
  const dir = mkdtempSync(join(tmpdir(), 'notices-'));
  const sent: { to: string; noticeId: string; subject: string }[] = [];
  const real = new FileNoticeSender(dir);
  const sender: NoticeSender = {
    send: async (m) => {
      if (failFor(m.to)) throw new Error('mailbox unavailable');
      sent.push({ to: m.to, noticeId: m.noticeId, subject: m.subject });
      return real.send(m);
    },
  };
  return { dir, sent, deps: () => ({ ...deps, noticeSender: sender }) };
}

const budgetNotice = (orgId: string, cause: string, subject = 'Budget reached') => ({
  orgId,
  kind: 'budget' as const,
  cause,
  subject,
  body: 'Spend reached its threshold.',
});

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

  it('caps the contacts of an org, and a removed contact frees its place', async () => {
    await withLimits({ maxContactsPerOrg: 3 });
    const org = await api.newOrg();
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const res = await addContact(org, { name: `c${n}`, email: `c${n}@example.com`, notice_kinds: ['invoice'] });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    const fourth = await addContact(org, { name: 'c4', email: 'c4@example.com', notice_kinds: ['invoice'] });
    expect(fourth.status).toBe(422);
    expect(fourth.body.error).toMatchObject({ code: 'contact_limit_reached', details: { max_contacts: 3 } });
    await api.request('DELETE /v1/orgs/{org}/contacts/{id}', {
      token: org.tokens.owner,
      params: { org: org.id, id: ids[0]! },
    });
    const retried = await addContact(org, { name: 'c4', email: 'c4@example.com', notice_kinds: ['invoice'] });
    expect(retried.status).toBe(201);
  });
});

describe('the notice outbox', () => {
  it('records a notice once per cause and mails each subscribed contact exactly once across retried runs', async () => {
    const org = await api.newOrg();
    await addContact(org, { name: 'Finance', email: 'finance@example.com', notice_kinds: ['budget', 'invoice'] });
    await addContact(org, { name: 'CTO', email: 'cto@example.com', notice_kinds: ['budget'] });
    await addContact(org, { name: 'AP', email: 'ap@example.com', notice_kinds: ['invoice'] });
    const mail = recordingSender();
    const notice = { ...budgetNotice(org.id, 'budget:b1:2026-11:80'), subject: '80% of budget' };
    expect(await deps.notices.enqueue(notice)).toBe(true);
    expect(await deps.notices.enqueue(notice)).toBe(false);

    await Promise.all([deliverPendingNotices(mail.deps()), deliverPendingNotices(mail.deps())]);
    await deliverPendingNotices(mail.deps());
    expect(mail.sent.map((s) => s.to).sort()).toEqual(['cto@example.com', 'finance@example.com']);
    const files = readdirSync(join(mail.dir, mail.sent[0]!.noticeId)).sort();
    expect(files).toEqual(['cto@example.com.txt', 'finance@example.com.txt']);
    expect(readFileSync(join(mail.dir, mail.sent[0]!.noticeId, files[0]!), 'utf8')).toContain('Subject: 80% of budget');

    const listed = await notifications(org);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      cause: 'budget:b1:2026-11:80',
      status: 'delivered',
      attempts: 0,
      delivered_at: expect.any(String),
    });
    expect(listed[0]!.recipients.map((r) => `${r.email}:${r.status}`).sort()).toEqual([
      'cto@example.com:sent',
      'finance@example.com:sent',
    ]);
  });

  it('retries a notice after a backoff while a recipient fails and sends only the missing message', async () => {
    const org = await api.newOrg();
    await contact(org.id, 'ok@example.org', ['dunning']);
    await contact(org.id, 'flaky@example.org', ['dunning']);
    await deps.notices.enqueue({
      orgId: org.id,
      kind: 'dunning',
      cause: 'dunning:past_due',
      subject: 'Payment failed',
      body: '…',
    });
    const failing = recordingSender((to) => to === 'flaky@example.org');
    await deliverPendingNotices(failing.deps());
    expect(failing.sent.map((s) => s.to)).toEqual(['ok@example.org']);
    const [afterFailure] = await notifications(org);
    expect(afterFailure).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_error: 'send_failed',
      next_attempt_at: new Date(clock.now().getTime() + minutes(1)).toISOString(),
    });

    const healed = recordingSender();
    await deliverPendingNotices(healed.deps()); // still backing off: nothing is tried
    expect(healed.sent).toEqual([]);
    clock.advance(minutes(1));
    await deliverPendingNotices(healed.deps());
    expect(healed.sent.map((s) => s.to)).toEqual(['flaky@example.org']);
    expect((await notifications(org))[0]).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('gives a notice up after its last attempt: failed, listed with its attempts and error, never tried again', async () => {
    const org = await api.newOrg();
    await contact(org.id, 'gone@example.org');
    await deps.notices.enqueue(budgetNotice(org.id, 'budget:b:2026-11:100'));
    const bouncing = recordingSender(() => true);
    let gaveUp = 0;
    for (let run = 0; run < DEFAULT_DELIVERY_POLICY.maxAttempts + 2; run++) {
      gaveUp += (await deliverPendingNotices(bouncing.deps())).gaveUp;
      clock.advance(DEFAULT_DELIVERY_POLICY.maxDelayMs);
    }
    expect(gaveUp).toBe(1);
    const [listed] = await notifications(org);
    expect(listed).toMatchObject({
      status: 'failed',
      attempts: DEFAULT_DELIVERY_POLICY.maxAttempts,
      last_error: 'send_failed',
      next_attempt_at: null,
      failed_at: expect.any(String),
    });
    // Off every list: the org is no longer on the delivery schedule.
    expect(await deps.notices.dueOrgs(clock.now(), 100)).not.toContain(org.id);
  });

  it("does not let 60 notices of one org whose sends always fail delay another org's notice by more than one run", async () => {
    const noisy = await api.newOrg();
    const quiet = await api.newOrg();
    await contact(noisy.id, 'down@noisy.example');
    await contact(quiet.id, 'cfo@quiet.example');
    for (let i = 0; i < 60; i++) await deps.notices.enqueue(budgetNotice(noisy.id, `budget:b${i}:2026-11:80`));
    const mail = recordingSender((to) => to.endsWith('@noisy.example'));

    // Enqueued after the noisy org's 60: delivered in the very next run.
    await deps.notices.enqueue(budgetNotice(quiet.id, 'budget:q1:2026-11:80'));
    const first = await deliverPendingNotices(mail.deps());
    expect(mail.sent.map((s) => s.to)).toEqual(['cfo@quiet.example']);
    // The noisy org had its share of the run, not all 60 attempts.
    expect(first.failed).toBe(DEFAULT_DELIVERY_POLICY.maxNoticesPerOrgPerRun);

    // And again after the noisy org has been through a run: its backlog is still due, it still waits its turn.
    clock.advance(minutes(1));
    await deps.notices.enqueue(budgetNotice(quiet.id, 'budget:q2:2026-11:90'));
    await deliverPendingNotices(mail.deps());
    expect(mail.sent.map((s) => s.to)).toEqual(['cfo@quiet.example', 'cfo@quiet.example']);
    expect((await notifications(quiet)).map((n) => n.status)).toEqual(['delivered', 'delivered']);
  });

  it('sends a notice to every subscribed contact, past the first page of contacts', async () => {
    await withLimits({ maxContactsPerOrg: 150 });
    const org = await api.newOrg();
    for (let i = 0; i < 120; i++) await contact(org.id, `c${String(i).padStart(3, '0')}@many.example`, ['invoice']);
    await deps.notices.enqueue({
      orgId: org.id,
      kind: 'invoice',
      cause: 'invoice:in_1',
      subject: 'Invoice',
      body: '…',
    });
    const mail = recordingSender();
    await deliverPendingNotices(mail.deps());
    expect(new Set(mail.sent.map((s) => s.to)).size).toBe(120);
    expect((await notifications(org))[0]).toMatchObject({ status: 'delivered' });
  });

  it('records notices past the daily limit as suppressed: listed, never mailed', async () => {
    await withLimits({ maxNoticesPerOrgPerDay: 3 });
    const org = await api.newOrg();
    await contact(org.id, 'finance@limit.example');
    for (let i = 0; i < 5; i++)
      expect(await deps.notices.enqueue(budgetNotice(org.id, `budget:b${i}:2026-11:80`))).toBe(true);
    const mail = recordingSender();
    await deliverPendingNotices(mail.deps());
    expect(mail.sent).toHaveLength(3);
    const listed = await notifications(org);
    expect(listed.map((n) => n.status).sort()).toEqual([
      'delivered',
      'delivered',
      'delivered',
      'suppressed',
      'suppressed',
    ]);
    // A new UTC day has a new allowance.
    clock.set('2026-12-01T00:00:01.000Z');
    expect(await deps.notices.enqueue(budgetNotice(org.id, 'budget:b9:2026-12:80'))).toBe(true);
    await deliverPendingNotices(mail.deps());
    expect(mail.sent).toHaveLength(4);
  });

  it("keeps the text of an org's users from turning a subject into a header, a disguise or a link", async () => {
    const org = await api.newOrg();
    await contact(org.id, 'finance@subject.example');
    const hostile = 'Pay now at https://evil.example.com/login\r\nBcc: all@victim.example \u202Egnp.exe: 80% reached';
    await deps.notices.enqueue(budgetNotice(org.id, 'budget:evil:2026-11:80', hostile));
    const mail = recordingSender();
    await deliverPendingNotices(mail.deps());
    const subject = mail.sent[0]!.subject;
    expect(subject).toBe(
      'Pay now at hxxps://evil[.]example[.]com/login Bcc: all@victim[.]example gnp[.]exe: 80% reached',
    );
    expect(subject).not.toMatch(/[\r\n\u202E]/);
    expect((await notifications(org))[0]!.subject).toBe(subject);
  });

  it('isolates an org whose delivery breaks: the others are delivered, and it is tried again next run', async () => {
    const broken = await api.newOrg();
    const fine = await api.newOrg();
    await contact(broken.id, 'a@broken.example');
    await contact(fine.id, 'a@fine.example');
    await deps.notices.enqueue(budgetNotice(broken.id, 'budget:x:2026-11:80'));
    await deps.notices.enqueue(budgetNotice(fine.id, 'budget:y:2026-11:80'));
    const brokenPartition = keys.noticePartition(broken.id);
    const breakOrg =
      (next: (a: unknown) => Promise<unknown>) =>
      async (args: { input: { ExpressionAttributeValues?: Record<string, unknown> } }) => {
        if (args.input.ExpressionAttributeValues?.[':pk'] === brokenPartition)
          throw new Error('injected: partition unavailable');
        return next(args);
      };
    const mail = recordingSender();
    deps.db.middlewareStack.add(breakOrg as never, { step: 'initialize', name: 'breakOrg' });
    let report: Awaited<ReturnType<typeof deliverPendingNotices>>;
    try {
      report = await deliverPendingNotices(mail.deps());
    } finally {
      deps.db.middlewareStack.remove('breakOrg');
    }
    expect(report.orgFailures).toEqual([{ orgId: broken.id, code: 'unexpected' }]);
    expect(mail.sent.map((s) => s.to)).toEqual(['a@fine.example']);
    await deliverPendingNotices(mail.deps());
    expect(mail.sent.map((s) => s.to)).toEqual(['a@fine.example', 'a@broken.example']);
  });
  it('delivers a notice recorded before per-org scheduling, from the unsharded list of before', async () => {
    const org = await api.newOrg();
    await contact(org.id, 'old@legacy.example');
    const old = {
      id: 'ntc_legacy1',
      orgId: org.id,
      kind: 'invoice',
      cause: 'invoice:old',
      subject: 'Old',
      body: '…',
      createdAt: '2026-11-01T00:00:00.000Z',
    };
    // As the code of before wrote it: the notice itself on GSI2 `NOTICES_PENDING`, no pending item.
    await deps.db.send(
      new PutCommand({
        TableName: deps.config.tableName,
        Item: item('notice', keys.notice(org.id, old.id), old, {
          GSI2PK: 'NOTICES_PENDING',
          GSI2SK: `${old.createdAt}#${org.id}#${old.id}`,
        }),
      }),
    );
    const mail = recordingSender();
    await deliverPendingNotices(mail.deps());
    await deliverPendingNotices(mail.deps());
    expect(mail.sent.map((s) => s.to)).toEqual(['old@legacy.example']);
    expect((await notifications(org))[0]).toMatchObject({ id: old.id, status: 'delivered' });
  });
});
