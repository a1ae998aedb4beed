import { billThreshold } from '../../../functions/invoicing/app/bill-thresholds';
import { closeOrgPeriod } from '../../../functions/invoicing/app/close-period';
import { closePeriods } from '../../../functions/invoicing/app/close-periods';
import { numberAndRecord, retryOnConflict, settingsOf } from '../../../functions/invoicing/app/invoicing-common';
import { INVOICE_SCHEMA_VERSION, type Invoice } from '../../../functions/invoicing/domain/invoice';
import { thresholdInvoiceId } from '../../../functions/invoicing/domain/plan';
import { fixedClock } from '../../../functions/kernel/clock';
import { loadConfig } from '../../../functions/kernel/config';
import { periodByKey } from '../../../functions/kernel/period';
import { handler as consumeUsage } from '../../../functions/usage/queue/consume-usage';
import { buildDeps, type Deps, setDepsForTesting } from '../../support/deps';
import { pdfText } from '../../support/pdf-text';
import { startTestApi, type TestApi, type TestOrg } from '../support/api';
import { seedDefaultPaymentMethod } from '../support/seed';
import { sqsEvent, tokens, tool } from '../support/usage';

/**
 * Period close on real parts: subscriptions and settings over HTTP, usage through the SQS consumer
 * into DynamoDB Local, the close use case (the schedule's), the invoice routes. The clock is the
 * product's, set by hand.
 *
 * Team (flat, USD 49.00/month) bought Nov 2 00:00: the first short period (29 of 30 days) is a pending
 * line of 4,737 (4,900 × 29/30 = 4,736.67, rounded once). Team includes 50,000 tool invocations; beyond
 * them 0.1 minor each. 60,000 invocations → 10,000 × 0.1 = 1,000.
 */
const clock = fixedClock('2026-11-02T00:00:00.000Z');
let api: TestApi;
let deps: Deps;
const NOV = periodByKey('2026-11');
const DEC = periodByKey('2026-12');
const AFTER_GRACE = '2026-12-01T01:30:00.000Z';

beforeAll(async () => {
  deps = buildDeps(loadConfig(), clock);
  setDepsForTesting(deps);
  api = await startTestApi();
});
afterAll(async () => {
  setDepsForTesting(undefined);
  await api.close();
});
beforeEach(() => clock.set('2026-11-02T00:00:00.000Z'));

async function count(body: unknown[]) {
  expect(await consumeUsage(sqsEvent([{ body }]))).toEqual({ batchItemFailures: [] });
}

async function subscribed(body: Record<string, string> = { plan_id: 'team', currency: 'USD', billing_model: 'flat' }) {
  const org = await api.newOrg();
  await seedDefaultPaymentMethod(org.id, deps);
  const created = await api.request('POST /v1/orgs/{org}/subscription', {
    token: org.tokens.owner,
    params: { org: org.id },
    body,
  });
  expect(created.status).toBe(201);
  return org;
}

const invoicesOf = async (org: TestOrg, query: Record<string, string | number> = {}) => {
  const res = await api.request('GET /v1/orgs/{org}/invoices', {
    token: org.tokens.billing_admin,
    params: { org: org.id },
    query,
  });
  expect(res.status).toBe(200);
  return res.body as { data: Record<string, any>[]; next_cursor: string | null };
};

const invoice = async (org: TestOrg, id: string) => {
  const res = await api.request('GET /v1/orgs/{org}/invoices/{id}', {
    token: org.tokens.owner,
    params: { org: org.id, id },
  });
  expect(res.status).toBe(200);
  return res.body as Record<string, any>;
};

/** A Team org with 60,000 tool invocations in November (10,000 over the included 50,000). */
async function teamOrgWithUsage() {
  const org = await subscribed();
  clock.set('2026-11-20T12:00:00.000Z');
  await count([tool(org.id, 'nov-tools', new Date('2026-11-20T10:00:00.000Z'), 60_000, { agent_id: 'agent_a' })]);
  return org;
}

describe('the period close', () => {
  it("issues one invoice: the next period's fee in advance, the usage, the first short period's line", async () => {
    const org = await teamOrgWithUsage();
    clock.set(AFTER_GRACE);
    expect(await closeOrgPeriod(deps, org.id, NOV.end.toISOString())).toBe('closed');

    const list = await invoicesOf(org);
    expect(list.data).toHaveLength(1);
    const issued = await invoice(org, list.data[0]!.id);
    expect(issued).toMatchObject({
      kind: 'period',
      status: 'open',
      currency: 'USD',
      period: { start: NOV.start.toISOString(), end: NOV.end.toISOString() },
      issued_at: AFTER_GRACE,
      due_at: AFTER_GRACE,
      schema_version: INVOICE_SCHEMA_VERSION,
    });
    expect(issued.number).toMatch(/^[A-Z0-9]{3,12}-0001$/);
    const byKind = (kind: string) => issued.lines.filter((l: any) => l.kind === kind);
    expect(byKind('first_period_fee')).toEqual([
      expect.objectContaining({
        period: '2026-11',
        amount_minor: 4_737,
        precise_amount: expect.stringMatching(/^4736\.6/),
      }),
    ]);
    expect(byKind('flat_fee')).toEqual([
      expect.objectContaining({ period: '2026-12', quantity: 1, amount_minor: 4_900 }),
    ]);
    expect(byKind('usage')).toEqual([
      expect.objectContaining({
        meter: 'tool_invocations',
        quantity: 60_000,
        billable_quantity: 10_000,
        unit_amount_decimal: '0.1',
        precise_amount: '1000',
        amount_minor: 1_000,
        stretch_from: '2026-11-02T00:00:00.000Z',
      }),
    ]);
    expect(issued.subtotal_minor).toBe(4_737 + 4_900 + 1_000);
    expect(issued.subtotal_minor).toBe(issued.lines.reduce((s: number, l: any) => s + l.amount_minor, 0));
    expect(issued.total_minor).toBe(issued.subtotal_minor - issued.credits_applied_minor);

    // The adjustment line is billed: no longer pending.
    expect(await deps.subscriptions.pendingAdjustments(org.id)).toEqual([]);
    // The calendar moved on: December is the next period to close.
    const stillDue = await deps.calendar.dueForClose(new Date(AFTER_GRACE), 10_000);
    expect(stillDue.due.filter((d) => d.orgId === org.id)).toEqual([]);
    // One "invoice issued" notice.
    const notices = await deps.notices.listNotices(org.id, { limit: 50 });
    expect(notices.data.filter((n) => n.kind === 'invoice').map((n) => n.cause)).toEqual([
      `invoice_issued:${issued.id}`,
    ]);
  });

  it('keeps a draft during the late-event grace, then issues it under the same id with a number', async () => {
    const org = await teamOrgWithUsage();
    clock.set('2026-12-01T00:20:00.000Z');
    expect(await closeOrgPeriod(deps, org.id, NOV.end.toISOString())).toBe('draft');
    const drafts = await invoicesOf(org, { status: 'draft' });
    expect(drafts.data).toEqual([expect.objectContaining({ status: 'draft', number: null, issued_at: null })]);

    clock.set(AFTER_GRACE);
    expect(await closeOrgPeriod(deps, org.id, NOV.end.toISOString())).toBe('closed');
    const all = await invoicesOf(org);
    expect(all.data).toEqual([expect.objectContaining({ id: drafts.data[0]!.id, status: 'open' })]);
    expect((await invoicesOf(org, { status: 'draft' })).data).toEqual([]);
  });

  it('changes nothing when run again, and two concurrent closes issue one invoice with one number', async () => {
    const org = await teamOrgWithUsage();
    clock.set(AFTER_GRACE);
    const outcomes = await Promise.all([
      closeOrgPeriod(deps, org.id, NOV.end.toISOString()),
      closeOrgPeriod(deps, org.id, NOV.end.toISOString()),
    ]);
    expect(outcomes.sort()).toEqual(expect.arrayContaining(['closed']));
    expect(await closeOrgPeriod(deps, org.id, NOV.end.toISOString())).toBe('already_closed');
    const list = await invoicesOf(org);
    expect(list.data).toHaveLength(1);
    expect(list.data[0]!.number).toMatch(/-0001$/);
    const notices = await deps.notices.listNotices(org.id, { limit: 50 });
    expect(notices.data.filter((n) => n.kind === 'invoice')).toHaveLength(1);
  });

  it('previews, as the upcoming invoice, exactly what the close then bills for the same usage', async () => {
    const org = await teamOrgWithUsage();
    clock.set('2026-11-30T23:00:00.000Z');
    const upcoming = await api.request('GET /v1/orgs/{org}/invoices/upcoming', {
      token: org.tokens.billing_admin,
      params: { org: org.id },
    });
    expect(upcoming.status).toBe(200);
    expect(upcoming.body).toMatchObject({ status: 'preview', number: null, kind: 'period' });

    clock.set(AFTER_GRACE);
    await closeOrgPeriod(deps, org.id, NOV.end.toISOString());
    const issued = await invoice(org, upcoming.body.id);
    const comparable = ({ status: _s, number: _n, issued_at: _i, due_at: _d, created_at: _c, ...rest }: any) => rest;
    expect(comparable(issued)).toEqual(comparable(upcoming.body));
  });

  it('bills usage counted after the close as late usage on the next invoice, once', async () => {
    const org = await teamOrgWithUsage();
    clock.set(AFTER_GRACE);
    await closeOrgPeriod(deps, org.id, NOV.end.toISOString());
    // A late event stamped in November, counted on December 5.
    clock.set('2026-12-05T00:00:00.000Z');
    await count([tool(org.id, 'late-tools', new Date('2026-11-29T00:00:00.000Z'), 5_000, { agent_id: 'agent_a' })]);
    clock.set('2027-01-01T02:00:00.000Z');
    expect(await closeOrgPeriod(deps, org.id, DEC.end.toISOString())).toBe('closed');
    const list = await invoicesOf(org, { status: 'open' });
    const december = await invoice(org, list.data.find((i) => i.period.start === DEC.start.toISOString())!.id);
    expect(december.lines.filter((l: any) => l.kind === 'late_usage')).toEqual([
      expect.objectContaining({ period: '2026-11', quantity: 5_000, billable_quantity: 5_000, amount_minor: 500 }),
    ]);
    // December's own fee was billed in advance on November's invoice; January's is billed now.
    expect(december.lines.filter((l: any) => l.kind === 'flat_fee').map((l: any) => l.period)).toEqual(['2027-01']);
  });

  it('carries a negative total to the credit balance and applies it to the next invoice', async () => {
    const org = await subscribed();
    clock.set(AFTER_GRACE);
    await closeOrgPeriod(deps, org.id, NOV.end.toISOString()); // December's 4,900 billed in advance
    clock.set('2026-12-02T00:00:00.000Z');
    const canceled = await api.request('POST /v1/orgs/{org}/subscription/cancel', {
      token: org.tokens.owner,
      params: { org: org.id },
      body: { at_period_end: false },
    });
    expect(canceled.status).toBe(200);
    clock.set('2027-01-01T02:00:00.000Z');
    await closeOrgPeriod(deps, org.id, DEC.end.toISOString());
    const december = (await invoicesOf(org)).data.find((i) => i.period.start === DEC.start.toISOString())!;
    const detail = await invoice(org, december.id);
    // 30 of December's 31 days unused: −4,900 × 30/31 = −4,741.935… → −4,742.
    expect(detail).toMatchObject({
      subtotal_minor: -4_742,
      total_minor: -4_742,
      amount_due_minor: 0,
      credit_carried_minor: 4_742,
    });
    const settings = await api.request('GET /v1/orgs/{org}/billing-settings', {
      token: org.tokens.owner,
      params: { org: org.id },
    });
    expect(settings.body.credit_balances).toEqual({ USD: 4_742 });

    // Subscribed again in January: the first short period's fee is paid from the credit first.
    clock.set('2027-01-02T00:00:00.000Z');
    const again = await api.request('POST /v1/orgs/{org}/subscription', {
      token: org.tokens.owner,
      params: { org: org.id },
      body: { plan_id: 'team', currency: 'USD', billing_model: 'flat' },
    });
    expect(again.status).toBe(201);
    clock.set('2027-02-01T02:00:00.000Z');
    await closeOrgPeriod(deps, org.id, periodByKey('2027-01').end.toISOString());
    const january = (await invoicesOf(org)).data.find((i) => i.period.start === '2027-01-01T00:00:00.000Z')!;
    const jan = await invoice(org, january.id);
    expect(jan.credits_applied_minor).toBe(4_742);
    expect(jan.total_minor).toBe(jan.subtotal_minor - 4_742);
    const after = await api.request('GET /v1/orgs/{org}/billing-settings', {
      token: org.tokens.owner,
      params: { org: org.id },
    });
    expect(after.body.credit_balances).toEqual({ USD: 0 });
  });

  it('issues nothing for an org with nothing to bill, and moves its calendar on', async () => {
    const org = await api.newOrg();
    clock.set(AFTER_GRACE);
    expect(await closeOrgPeriod(deps, org.id, NOV.end.toISOString())).toBe('nothing_to_bill');
    expect((await invoicesOf(org)).data).toEqual([]);
  });
});

describe('the close schedule', () => {
  it('closes every due org and isolates one that fails: reported, left due, closed by the next run', async () => {
    const good = await teamOrgWithUsage();
    const bad = await teamOrgWithUsage();
    clock.set(AFTER_GRACE);
    const mine = new Set([good.id, bad.id]);
    const calendar = {
      ...deps.calendar,
      dueForClose: async (upTo: Date, limit: number, cursor?: string) => {
        const page = await deps.calendar.dueForClose(upTo, limit, cursor);
        return { ...page, due: page.due.filter((d) => mine.has(d.orgId)) };
      },
      markClosed: (orgId: string, end: string) => deps.calendar.markClosed(orgId, end),
    };
    let failing = true;
    const usageRating = {
      ratePeriod: async (orgId: string, period: typeof NOV, until: Date) => {
        if (failing && orgId === bad.id) throw new Error('injected: the usage store is unavailable for this org');
        return deps.usageRating.ratePeriod(orgId, period, until);
      },
    };
    const first = await closePeriods({ ...deps, calendar, usageRating });
    expect(first.failed).toEqual([{ orgId: bad.id, code: 'unexpected' }]);
    expect(first.outcomes).toEqual({ closed: 1 });
    expect((await invoicesOf(good)).data).toHaveLength(1);
    expect((await invoicesOf(bad)).data).toHaveLength(0);

    failing = false;
    const second = await closePeriods({ ...deps, calendar, usageRating });
    expect(second).toMatchObject({ due: 1, outcomes: { closed: 1 }, failed: [] });
    expect((await invoicesOf(bad)).data).toHaveLength(1);
  });
});

describe('invoice numbers', () => {
  it('are consecutive with no gaps or duplicates when 50 invoices are finalized at once', async () => {
    const org = await api.newOrg();
    clock.set('2026-11-10T00:00:00.000Z');
    const drafts: Invoice[] = Array.from({ length: 50 }, (_, i) => ({
      id: thresholdInvoiceId(org.id, NOV, i + 1, new Date(NOV.start.getTime() + i)),
      orgId: org.id,
      number: null,
      kind: 'threshold',
      status: 'open',
      currency: 'USD',
      period: { key: NOV.key, start: NOV.start.toISOString(), end: NOV.end.toISOString() },
      billTo: { orgId: org.id, name: 'n', taxIds: [] },
      lines: [],
      subtotalMinor: 0,
      creditsAppliedMinor: 0,
      totalMinor: 0,
      amountDueMinor: 0,
      creditCarriedMinor: 0,
      createdAt: clock.now().toISOString(),
      issuedAt: clock.now().toISOString(),
      dueAt: clock.now().toISOString(),
      adjustmentIds: [],
      schemaVersion: INVOICE_SCHEMA_VERSION,
    }));
    // Each one through the same numbering and finalization the close and threshold invoices use.
    await Promise.all(
      drafts.map((draft) =>
        retryOnConflict(async () => {
          const [account, settings] = await Promise.all([deps.invoices.account(org.id), settingsOf(deps, org.id)]);
          const recorded = await numberAndRecord(deps, {
            orgId: org.id,
            invoices: [draft],
            account,
            settings,
            creditBalances: account.creditBalances,
            adjustments: [],
            action: 'invoice.issued',
            now: clock.now(),
          });
          await deps.invoices.finalize({ ...recorded, billed: [] });
        }),
      ),
    );
    const numbers: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await invoicesOf(org, { limit: 20, ...(cursor ? { cursor } : {}) });
      numbers.push(...page.data.map((i) => i.number as string));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    const sequences = numbers.map((n) => Number(n.split('-').at(-1))).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  }, 120_000);
});

describe('threshold invoices', () => {
  it('bill the accrued usage once it passes the threshold, and the period invoice bills only the rest', async () => {
    const org = await subscribed({ plan_id: 'pro', currency: 'USD', billing_model: 'metered' });
    const settings = await api.request('PUT /v1/orgs/{org}/billing-settings', {
      token: org.tokens.billing_admin,
      params: { org: org.id },
      body: { invoice_threshold_minor: 10_000 },
    });
    expect(settings.status).toBe(200);
    expect(settings.body).toMatchObject({ invoice_threshold_minor: 10_000, effective_invoice_threshold_minor: 10_000 });
    clock.set('2026-11-10T00:00:00.000Z');
    // 8,000 tokens... below: 1,000,000 input tokens of sonnet × 0.0003 = 300; far below 10,000.
    await count([tokens(org.id, 'small', new Date('2026-11-09T00:00:00.000Z'), 1_000_000, 0)]);
    expect((await invoicesOf(org)).data).toEqual([]);
    // 150,000 tool invocations: 100,000 × 0.08 + 50,000 × 0.04 = 10,000 → 10,300 accrued ≥ 10,000.
    await count([tool(org.id, 'big', new Date('2026-11-09T01:00:00.000Z'), 150_000)]);
    const list = await invoicesOf(org);
    expect(list.data).toEqual([expect.objectContaining({ kind: 'threshold', status: 'open', total_minor: 10_300 })]);
    expect(await billThreshold(deps, org.id)).toBe('below_threshold');

    clock.set('2026-11-20T00:00:00.000Z');
    await count([tool(org.id, 'more', new Date('2026-11-19T00:00:00.000Z'), 10_000)]); // 10,000 × 0.04 = 400
    clock.set(AFTER_GRACE);
    await closeOrgPeriod(deps, org.id, NOV.end.toISOString());
    const period = (await invoicesOf(org, { status: 'open' })).data.find((i) => i.kind === 'period')!;
    const detail = await invoice(org, period.id);
    expect(detail.lines.filter((l: any) => l.kind === 'usage')).toEqual([
      expect.objectContaining({ meter: 'tool_invocations', quantity: 10_000, amount_minor: 400 }),
    ]);
    const summary = await api.request('GET /v1/orgs/{org}/usage/summary', {
      token: org.tokens.viewer,
      params: { org: org.id },
    });
    expect(summary.status).toBe(200);
  });
});

describe('invoice routes', () => {
  it('answer 404 for an unknown id and for another org’s invoice, and render a PDF that parses', async () => {
    const org = await teamOrgWithUsage();
    const other = await api.newOrg();
    clock.set(AFTER_GRACE);
    await closeOrgPeriod(deps, org.id, NOV.end.toISOString());
    const id = (await invoicesOf(org)).data[0]!.id as string;

    const unknown = await api.request('GET /v1/orgs/{org}/invoices/{id}', {
      token: org.tokens.owner,
      params: { org: org.id, id: 'in_01JZZZZZZZZZZZZZZZZZZZZZZZ' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('invoice_not_found');
    const foreign = await api.request('GET /v1/orgs/{org}/invoices/{id}', {
      token: other.tokens.owner,
      params: { org: other.id, id },
    });
    expect(foreign.status).toBe(404);

    const pdf = await fetch(`${api.url}/v1/orgs/${org.id}/invoices/${id}`, {
      headers: { authorization: `Bearer ${org.tokens.owner}`, accept: 'application/pdf' },
    });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const bytes = new Uint8Array(await pdf.arrayBuffer());
    expect(Buffer.from(bytes.slice(0, 5)).toString()).toBe('%PDF-');
    const text = await pdfText(bytes);
    const detail = await invoice(org, id);
    expect(text).toContain(detail.number);
    expect(text).toContain('106.37 USD'); // 4,737 + 4,900 + 1,000
  });

  it('refuse a threshold below the smallest card charge or not an integer, naming the field', async () => {
    const org = await api.newOrg();
    for (const threshold of [10, 12.5, '500']) {
      const res = await api.request('PUT /v1/orgs/{org}/billing-settings', {
        token: org.tokens.owner,
        params: { org: org.id },
        body: { invoice_threshold_minor: threshold },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'invoice_threshold_minor' })]);
    }
  });

  it('keep the billing settings, print them on the invoice and fix the prefix once numbered', async () => {
    const org = await teamOrgWithUsage();
    const put = await api.request('PUT /v1/orgs/{org}/billing-settings', {
      token: org.tokens.owner,
      params: { org: org.id },
      body: {
        legal_name: 'Acme Agents Ltd',
        address: { line1: '1 Main St', city: 'London', postal_code: 'N1 1AA', country: 'GB' },
        tax_ids: [{ type: 'gb_vat', value: 'GB123456789' }],
        memo: 'PO 4711',
        invoice_prefix: `T${org.id
          .slice(-8)
          .toUpperCase()
          .replace(/[^A-Z0-9]/g, '')}`.slice(0, 12),
      },
    });
    expect(put.status).toBe(200);
    const prefix = put.body.invoice_prefix as string;
    clock.set(AFTER_GRACE);
    await closeOrgPeriod(deps, org.id, NOV.end.toISOString());
    const issued = await invoice(org, (await invoicesOf(org)).data[0]!.id);
    expect(issued.number).toBe(`${prefix}-0001`);
    expect(issued.bill_to).toMatchObject({
      legal_name: 'Acme Agents Ltd',
      address: { line1: '1 Main St', city: 'London', postal_code: 'N1 1AA', country: 'GB' },
      tax_ids: [{ type: 'gb_vat', value: 'GB123456789' }],
      memo: 'PO 4711',
    });
    const change = await api.request('PUT /v1/orgs/{org}/billing-settings', {
      token: org.tokens.owner,
      params: { org: org.id },
      body: { invoice_prefix: 'OTHER1' },
    });
    expect(change.status).toBe(409);
    expect(change.body.error.code).toBe('invoice_prefix_fixed');
    const audit = await api.request('GET /v1/orgs/{org}/audit', { token: org.tokens.owner, params: { org: org.id } });
    expect(audit.body.data.map((e: any) => e.action)).toEqual(
      expect.arrayContaining(['billing_settings.replaced', 'invoice.issued']),
    );
  });

  it('list newest first a page at a time, by status and by invoice date', async () => {
    const org = await subscribed({ plan_id: 'pro', currency: 'USD', billing_model: 'metered' });
    await api.request('PUT /v1/orgs/{org}/billing-settings', {
      token: org.tokens.owner,
      params: { org: org.id },
      body: { invoice_threshold_minor: 100 },
    });
    for (let day = 3; day <= 7; day++) {
      clock.set(`2026-11-0${day}T12:00:00.000Z`);
      await count([tool(org.id, `t-${day}`, new Date(`2026-11-0${day}T11:00:00.000Z`), 2_000)]);
    }
    const all = await invoicesOf(org);
    expect(all.data).toHaveLength(5);
    const dates = all.data.map((i) => i.issued_at as string);
    expect([...dates].sort().reverse()).toEqual(dates);
    const page1 = await invoicesOf(org, { limit: 2 });
    const page2 = await invoicesOf(org, { limit: 2, cursor: page1.next_cursor! });
    expect([...page1.data, ...page2.data].map((i) => i.id)).toEqual(all.data.slice(0, 4).map((i) => i.id));
    const page3 = await invoicesOf(org, { limit: 2, cursor: page2.next_cursor! });
    expect(page3.data.map((i) => i.id)).toEqual([all.data[4]!.id]);
    expect(page3.next_cursor).toBeNull();
    // A full page that is also the last one says so: no cursor to an empty page (DynamoDB answers a
    // LastEvaluatedKey whenever it stops at the Limit, whether or not anything follows).
    expect((await invoicesOf(org, { limit: 5 })).next_cursor).toBeNull();
    const status = all.data[0]!.status as string;
    expect(all.data.every((i) => i.status === status)).toBe(true);
    const byStatus1 = await invoicesOf(org, { status, limit: 3 });
    const byStatus2 = await invoicesOf(org, { status, limit: 3, cursor: byStatus1.next_cursor! });
    expect([...byStatus1.data, ...byStatus2.data].map((i) => i.id)).toEqual(all.data.map((i) => i.id));
    expect(byStatus2.next_cursor).toBeNull();
    expect((await invoicesOf(org, { status, limit: 5 })).next_cursor).toBeNull();
    const window = await invoicesOf(org, { from: '2026-11-04', to: '2026-11-06' });
    expect(window.data.map((i) => i.issued_at.slice(0, 10))).toEqual(['2026-11-05', '2026-11-04']);
    expect((await invoicesOf(org, { status: 'paid' })).data).toEqual([]);
    const backwards = await api.request('GET /v1/orgs/{org}/invoices', {
      token: org.tokens.owner,
      params: { org: org.id },
      query: { from: '2026-11-06', to: '2026-11-04' },
    });
    expect(backwards.status).toBe(400);
  });
});
