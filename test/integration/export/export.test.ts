import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import Ajv2020 from 'ajv/dist/2020';
import Stripe from 'stripe';
import { collectInvoice } from '../../../functions/collection/app/collect-invoices';
import { advanceContracts } from '../../../functions/contracts/app/advance-contracts';
import { buildExport } from '../../../functions/export/app/build-export';
import { ExportResponse } from '../../../functions/export/contract';
import { SECTIONS } from '../../../functions/export/domain/document';
import { exportDocumentJsonSchema } from '../../../functions/export-schema';
import { closeOrgPeriod } from '../../../functions/invoicing/app/close-period';
import { fixedClock } from '../../../functions/kernel/clock';
import { loadConfig } from '../../../functions/kernel/config';
import { createDocumentClient } from '../../../functions/kernel/dynamo/client';
import { keys, type TableKey } from '../../../functions/kernel/dynamo/keys';
import { periodByKey } from '../../../functions/kernel/period';
import { stripeOptions } from '../../../functions/kernel/stripe/client';
import { reconcileStripeEvent, type StripeEventEnvelope } from '../../../functions/payments/app/reconcile-stripe-event';
import { handler as consumeUsage } from '../../../functions/usage/queue/consume-usage';
import { type StripeSandbox, startStripeSandbox } from '../../../scripts/stripe-sandbox';
import { buildDeps, type Deps, setDepsForTesting } from '../../support/deps';
import { startTestApi, type TestApi, type TestOrg } from '../support/api';
import { run, sqsEvent, tokens, tool } from '../support/usage';

/**
 * The billing export on real parts, for an org driven through a month with the real use cases and an
 * injected clock: a card saved through a SetupIntent, a subscription bought and upgraded, usage (and a
 * rejected event), budgets that trip, contacts, billing settings, a threshold invoice charged and paid, a
 * dispute on its charge opened and won, a second card made the default that declines, the period close
 * whose invoice then fails to charge (the org enters dunning), and an enterprise contract signed and
 * activated. The export's sections must equal what the API lists, and the document must validate against
 * its published JSON Schema. The build is the exports consumer's use case, run here directly (the exports
 * queue is shared by every test worker).
 *
 * Stripe is the sandbox, on the product clock. Its events are reconciled in process, in order, by the
 * same use case the Stripe-events consumer runs (webhooks → queue → poller is collection-e2e's subject;
 * skipping it keeps this file fast), and invoices are charged by the collection schedule's use case.
 */
const SECRET_KEY = 'sk_test_export_0123456789';
const WEBHOOK_SECRET = 'whsec_export_0123456789';
/** USD 15.00: the tool calls of 10 November (USD 20.00) pass it; the rest of November does not again. */
const THRESHOLD_MINOR = 1_500;
const clock = fixedClock('2026-11-02T00:00:00.000Z');
let api: TestApi;
let deps: Deps;
let sandbox: StripeSandbox;
let stripe: Stripe;
let org: TestOrg;
let other: TestOrg;
let doc: Record<string, any>;
let job: Record<string, any>;
let text: string;
/** The threshold invoice paid with the first card, and the period invoice the second card failed to pay. */
let paidId: string;
let failedId: string;

const at = (iso: string) => new Date(iso);
async function count(body: unknown[]) {
  expect(await consumeUsage(sqsEvent([{ body }]))).toEqual({ batchItemFailures: [] });
}
const call = (key: string, options: Parameters<TestApi['request']>[1] = {}) =>
  api.request(key, { token: org.tokens.owner, ...options, params: { org: org.id, ...options.params } });

/** Every page of a list route. */
async function all(key: string, query: Record<string, string | number> = {}) {
  const out: any[] = [];
  let cursor: string | undefined;
  do {
    const res = await call(key, { query: { limit: 100, ...query, ...(cursor ? { cursor } : {}) } });
    expect(res.status).toBe(200);
    out.push(...res.body.data);
    cursor = res.body.next_cursor ?? undefined;
  } while (cursor);
  return out;
}

const reconciled = new Set<string>();
/** Every Stripe event not reconciled yet, in Stripe's order, as its webhook body arrives (JSON). */
async function reconcileStripe() {
  for (const event of sandbox.control.store.events.all()) {
    if (reconciled.has(event.id)) continue;
    reconciled.add(event.id);
    const envelope: StripeEventEnvelope = JSON.parse(JSON.stringify(event));
    expect([event.type, await reconcileStripeEvent(deps, envelope)]).not.toEqual([event.type, 'failed']);
  }
}

/** A card saved as Stripe.js saves it (the org's SetupIntent confirmed with a test card), then mirrored. */
async function saveCard(testCard: string): Promise<string> {
  const intent = await call('POST /v1/orgs/{org}/payment-methods/setup-intents');
  expect(intent.status).toBe(201);
  const confirmed = await stripe.setupIntents.confirm(intent.body.id, { payment_method: testCard });
  await reconcileStripe();
  return confirmed.payment_method as string;
}

/** The collection schedule's work for one invoice (mirror to Stripe, charge the default card), reconciled. */
async function collect(invoiceId: string) {
  expect(await collectInvoice(deps, { orgId: org.id, invoiceId })).toBe('charged');
  await reconcileStripe();
  return (await call('GET /v1/orgs/{org}/invoices/{id}', { params: { id: invoiceId } })).body;
}

async function driveAMonth() {
  org = await api.newOrg({ name: 'Export Co' });
  other = await api.newOrg();
  const visa = await saveCard('pm_card_visa');
  expect(
    (
      await call('POST /v1/orgs/{org}/contacts', {
        body: {
          name: 'Finance',
          email: 'finance@export.example',
          notice_kinds: ['invoice', 'budget', 'payment_failed'],
        },
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await call('PUT /v1/orgs/{org}/billing-settings', {
        body: {
          legal_name: 'Export Co Ltd',
          memo: 'PO 4711',
          tax_ids: [{ type: 'gb_vat', value: 'GB123456789' }],
          invoice_threshold_minor: THRESHOLD_MINOR,
        },
      })
    ).status,
  ).toBe(200);
  expect(
    (
      await call('PUT /v1/orgs/{org}/budgets', {
        body: { budgets: [{ scope: { kind: 'org' }, amount_minor: 2_000, thresholds: [50, 100], action: 'alert' }] },
      })
    ).status,
  ).toBe(200);
  expect(
    (
      await call('POST /v1/orgs/{org}/subscription', {
        body: { plan_id: 'team', currency: 'USD', billing_model: 'flat' },
        headers: { 'idempotency-key': 'buy-team' },
      })
    ).status,
  ).toBe(201);

  // Usage past the org's threshold: an interim invoice, charged to the card and paid.
  clock.set('2026-11-10T12:00:00.000Z');
  await count([
    tool(org.id, 'nov-tools', at('2026-11-10T10:00:00.000Z'), 70_000, { agent_id: 'agent_a' }),
    tokens(org.id, 'nov-tokens', at('2026-11-10T11:00:00.000Z'), 200_000, 50_000, { agent_id: 'agent_b' }),
  ]);
  const interim = (await all('GET /v1/orgs/{org}/invoices')).filter((i) => i.kind === 'threshold');
  expect(interim).toHaveLength(1);
  paidId = interim[0].id;
  const paid = await collect(paidId);
  expect(paid).toMatchObject({ status: 'paid', payment_attempts: [{ outcome: 'succeeded', payment_method_id: visa }] });
  // A rejected event: quarantined with its reason.
  await count([{ id: 'bad', org_id: org.id, type: 'llm_tokens', timestamp: 'yesterday' }]);

  clock.set('2026-11-15T00:00:00.000Z');
  expect((await call('PATCH /v1/orgs/{org}/subscription', { body: { plan_id: 'pro' } })).status).toBe(200);
  clock.set('2026-11-20T00:00:00.000Z');
  await count([run(org.id, 'nov-runs', at('2026-11-19T09:00:00.000Z'), { count: 400, agent_id: 'agent_a' })]);

  // The card network disputes the interim invoice's charge; the dispute is won.
  const dispute = sandbox.control.openDispute(paid.payment_attempts[0].id, 'fraudulent');
  sandbox.control.closeDispute(dispute.id, 'won');
  await reconcileStripe();

  // A second card, made the default: it declines every charge.
  clock.set('2026-11-25T00:00:00.000Z');
  const failing = await saveCard('pm_card_chargeCustomerFail');
  expect((await call('POST /v1/orgs/{org}/payment-methods/{id}/default', { params: { id: failing } })).status).toBe(
    200,
  );
  await reconcileStripe();

  // An enterprise contract, signed in November (before the failed payment below freezes new spend), in
  // force from 15 December.
  clock.set('2026-11-26T00:00:00.000Z');
  const created = await api.request('POST /v1/orgs/{org}/contracts', {
    token: org.platform,
    params: { org: org.id },
    body: {
      name: 'Export Co 2027',
      currency: 'USD',
      term: { start: '2026-12-15T00:00:00Z', end: '2027-12-15T00:00:00Z' },
      commit: { type: 'postpaid', years: [{ amount_minor: 500_000 }] },
      rates: { discount_percent: '10', overrides: [] },
      platform_fee_minor: 0,
      net_days: 30,
      on_end: { plan_id: 'free' },
    },
  });
  expect(created.status).toBe(201);
  const contractId = created.body.id as string;
  const step = (body: Record<string, unknown>, token = org.tokens.owner) =>
    api.request('POST /v1/orgs/{org}/contracts/{id}/transitions', {
      token,
      params: { org: org.id, id: contractId },
      body,
    });
  expect((await step({ action: 'submit' }, org.platform)).status).toBe(200);
  expect((await step({ action: 'sign', signatory: { name: 'Ada', email: 'ada@export.example' } })).status).toBe(200);

  // November closes after the late-event grace; its invoice is charged to the declining card.
  clock.set('2026-12-01T01:30:00.000Z');
  expect(await closeOrgPeriod(deps, org.id, periodByKey('2026-11').end.toISOString())).toBe('closed');
  const period = (await all('GET /v1/orgs/{org}/invoices')).filter((i) => i.kind === 'period');
  expect(period).toHaveLength(1);
  failedId = period[0].id;
  const failed = await collect(failedId);
  expect(failed).toMatchObject({
    status: 'open',
    payment_attempts: [{ outcome: 'failed', payment_method_id: failing }],
  });
  expect((await call('GET /v1/orgs/{org}/billing-status')).body.dunning_state).toBe('past_due');

  clock.set('2026-12-15T00:30:00.000Z');
  await advanceContracts(deps);
  clock.set('2026-12-18T00:00:00.000Z');
  await count([run(org.id, 'dec-runs', at('2026-12-17T09:00:00.000Z'), { count: 200, agent_id: 'agent_c' })]);
  clock.set('2026-12-20T00:00:00.000Z');
}

beforeAll(async () => {
  sandbox = await startStripeSandbox({
    port: 0,
    webhookSecret: WEBHOOK_SECRET,
    apiKey: SECRET_KEY,
    clock: () => clock.now(),
  });
  process.env.STRIPE_API_URL = sandbox.url;
  process.env.STRIPE_SECRET_KEY = SECRET_KEY;
  process.env.STRIPE_WEBHOOK_SECRETS = WEBHOOK_SECRET;
  stripe = new Stripe(SECRET_KEY, stripeOptions({ stripeApiUrl: sandbox.url }));
  deps = buildDeps(loadConfig(), clock);
  setDepsForTesting(deps);
  api = await startTestApi();
  await driveAMonth();

  const requested = await call('POST /v1/orgs/{org}/exports', { headers: { 'idempotency-key': 'export-1' } });
  expect(requested.status).toBe(202);
  expect(requested.body).toMatchObject({ status: 'building', download_url: null });
  expect(await buildExport(deps, { orgId: org.id, exportId: requested.body.id })).toBe('built');
  const ready = await call('GET /v1/orgs/{org}/exports/{id}', { params: { id: requested.body.id } });
  expect(ready.status).toBe(200);
  job = ready.body;
  const res = await fetch(job.download_url);
  expect(res.status).toBe(200);
  text = await res.text();
  doc = JSON.parse(text);
}, 120_000);

afterAll(async () => {
  setDepsForTesting(undefined);
  await api?.close();
  await sandbox?.close();
});

describe('the billing export of an org driven through a month', () => {
  it('is ready with its size, SHA-256 and section counts, and the gzip copy holds the same bytes', async () => {
    expect(job).toMatchObject({ status: 'ready', generated_at: '2026-12-20T00:00:00.000Z', failure: null });
    const bytes = Buffer.from(text, 'utf8');
    expect(job.size_bytes).toBe(bytes.length);
    expect(job.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    const gz = Buffer.from(await (await fetch(job.download_url_gzip)).arrayBuffer());
    expect(gz.length).toBe(job.compressed_size_bytes);
    expect(gunzipSync(gz).equals(bytes)).toBe(true);
    expect(job.section_counts).toEqual(doc.section_counts);
    for (const s of SECTIONS) {
      const value = doc[s.name];
      expect([s.name, s.kind === 'list' ? value.length : value === null ? 0 : 1]).toEqual([
        s.name,
        doc.section_counts[s.name],
      ]);
    }
    expect(Object.keys(doc)).toEqual([
      'schema_version',
      'generated_at',
      ...SECTIONS.map((s) => s.name),
      'section_counts',
    ]);
  });

  it('validates against the JSON Schema published in the OpenAPI document and docs/export.md', async () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    const validate = ajv.compile(exportDocumentJsonSchema());
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
    const openapi = await api.request('GET /v1/openapi.json');
    expect(openapi.body.components.schemas.ExportDocument.properties.invoices.type).toBe('array');
  });

  it('holds the same invoices, with their lines and totals, as the invoice routes', async () => {
    const listed = await all('GET /v1/orgs/{org}/invoices');
    expect(listed.length).toBeGreaterThan(0);
    const details = await Promise.all(
      listed.map(async (i) => (await call('GET /v1/orgs/{org}/invoices/{id}', { params: { id: i.id } })).body),
    );
    const byId = (a: any, b: any) => (a.id < b.id ? -1 : 1);
    expect([...doc.invoices].sort(byId)).toEqual(details.sort(byId));
    for (const i of doc.invoices) {
      expect(i.subtotal_minor).toBe(i.lines.reduce((s: number, l: any) => s + l.amount_minor, 0));
    }
  });

  it('carries each invoice’s status and payment attempts as GET …/invoices/{id} does: one paid, one failed', async () => {
    const exported = (id: string) => doc.invoices.find((i: any) => i.id === id);
    for (const id of [paidId, failedId]) {
      const detail = (await call('GET /v1/orgs/{org}/invoices/{id}', { params: { id } })).body;
      const { status, amount_paid_minor, paid_at, stripe_invoice_id, payment_attempts } = exported(id);
      expect({ status, amount_paid_minor, paid_at, stripe_invoice_id, payment_attempts }).toEqual({
        status: detail.status,
        amount_paid_minor: detail.amount_paid_minor,
        paid_at: detail.paid_at,
        stripe_invoice_id: detail.stripe_invoice_id,
        payment_attempts: detail.payment_attempts,
      });
    }
    expect(exported(paidId)).toMatchObject({
      kind: 'threshold',
      status: 'paid',
      payment_attempts: [{ outcome: 'succeeded', decline_code: null }],
    });
    expect(exported(failedId)).toMatchObject({
      kind: 'period',
      status: 'open',
      amount_paid_minor: 0,
      payment_attempts: [{ outcome: 'failed', decline_code: 'generic_decline' }],
    });
    // The failure is in the rest of the document too: dunning, its notice and its audit entry.
    expect(doc.billing_status).toMatchObject({ dunning_state: 'past_due', freeze_reasons: ['dunning'] });
    expect(doc.notices.map((n: any) => n.cause)).toContain(
      `payment_failed:${failedId}:${exported(failedId).payment_attempts[0].id}`,
    );
    expect(doc.audit_trail.map((e: any) => e.action)).toContain('dunning.past_due');
  });

  it('holds the same audit trail as GET …/audit, oldest first', async () => {
    const listed = (await all('GET /v1/orgs/{org}/audit')).filter((e) => e.at <= doc.generated_at).reverse();
    expect(listed.length).toBeGreaterThan(5);
    expect(doc.audit_trail).toEqual(listed);
    expect(doc.audit_trail.map((e: any) => e.action)).toEqual(
      expect.arrayContaining(['subscription.created', 'invoice.issued', 'export.requested', 'contact.added']),
    );
  });

  it('rates the current period as the usage summary does, and counts each day as the report does', async () => {
    const periods = doc.usage_periods as any[];
    expect(periods.map((p) => p.period.key)).toEqual(['2026-11', '2026-12']);
    const summary = (await call('GET /v1/orgs/{org}/usage/summary')).body;
    const december = periods[1];
    expect(december.lines).toEqual(summary.lines);
    expect(december.total).toEqual(summary.total);
    expect(december.events_counted).toBe(summary.events_counted);
    expect(december.stretches.map((s: any) => [s.from, s.amount_minor])).toEqual(
      summary.stretches.map((s: any) => [s.from, s.amount_minor]),
    );
    for (const p of periods) {
      const report = (
        await call('GET /v1/orgs/{org}/usage/report', {
          query: { from: p.period.start.slice(0, 10), to: p.period.end.slice(0, 10), group_by: 'model,day' },
        })
      ).body;
      const rows = (xs: any[]) =>
        xs.map((r) => `${r.day}|${r.meter}|${r.model || ''}|${r.quantity}`).sort((a, b) => (a < b ? -1 : 1));
      expect(rows(p.days)).toEqual(rows(report.rows));
    }
    // November as invoiced: the usage lines of its invoices (the interim one, then the period's) bill
    // exactly the rated usage.
    const november = doc.invoices.filter((i: any) => i.period.start === periods[0].period.start);
    expect(november.map((i: any) => i.kind).sort()).toEqual(['period', 'threshold']);
    const usageBilled = november
      .flatMap((i: any) => i.lines)
      .filter((l: any) => l.kind === 'usage')
      .reduce((s: number, l: any) => s + l.amount_minor, 0);
    expect(usageBilled).toBe(periods[0].total.amount_minor);
  });

  it('holds the subscription, its history, the terms timeline and the plan versions the org was on', async () => {
    const detail = (await call('GET /v1/orgs/{org}/subscription')).body;
    const { terms_now: _t, usage_summary: _u, pending_adjustments: _p, history, ...subscription } = detail;
    expect(doc.subscription).toEqual(subscription);
    expect(doc.subscription_history.slice(-history.length)).toEqual(history);
    expect(doc.terms_timeline.map((s: any) => s.plan_id)).toEqual(['team', 'pro', 'enterprise']);
    expect(doc.terms_timeline[2].contract).toMatchObject({ version: 1, year: 1 });
    const plans = (await call('GET /v1/plans')).body.data as any[];
    expect(doc.plan_versions.map((p: any) => p.id).sort()).toEqual(['enterprise', 'pro', 'team']);
    for (const p of doc.plan_versions) {
      const listed = plans.find((l) => l.id === p.id && l.version === p.version);
      if (listed) expect(p).toEqual(listed);
    }
    // Team's first short period, and the unused Team fee credited on the upgrade (Pro is metered): both
    // billed by November's invoice.
    expect(doc.subscription_adjustments.map((a: any) => [a.kind, a.status])).toEqual([
      ['first_period_fee', 'invoiced'],
      ['proration_credit', 'invoiced'],
    ]);
    const invoiceIds = new Set(doc.invoices.map((i: any) => i.id));
    for (const a of doc.subscription_adjustments) expect(invoiceIds.has(a.invoice_id)).toBe(true);
  });

  it('holds the contract with every version, transition and its utilization, as the contract routes show them', async () => {
    expect(doc.contracts).toHaveLength(1);
    const c = doc.contracts[0];
    const params = { id: c.id };
    expect(c.current).toEqual((await call('GET /v1/orgs/{org}/contracts/{id}', { params })).body);
    expect(c.history).toEqual((await call('GET /v1/orgs/{org}/contracts/{id}/history', { params })).body.data);
    expect(c.utilization).toEqual((await call('GET /v1/orgs/{org}/contracts/{id}/utilization', { params })).body);
    expect(c.current.status).toBe('active');
  });

  it('holds the dispute, payment-method summaries (brand, last4, expiry only), contacts, notices, budgets and quarantined events', async () => {
    const status = (await call('GET /v1/orgs/{org}/billing-status')).body;
    expect(doc.billing_status).toEqual(status);
    const paidAttempt = doc.invoices.find((i: any) => i.id === paidId).payment_attempts[0];
    expect(doc.disputes).toEqual([
      expect.objectContaining({
        id: status.disputes[0].id,
        charge_id: paidAttempt.id,
        status: 'won',
        amount_minor: paidAttempt.amount_minor,
        currency: 'USD',
      }),
    ]);
    const summary = ({ id, brand, last4, exp_month, exp_year, is_default }: any) => ({
      id,
      brand,
      last4,
      exp_month,
      exp_year,
      is_default,
    });
    expect(doc.payment_methods).toEqual((await all('GET /v1/orgs/{org}/payment-methods')).map(summary));
    expect(doc.payment_methods.map((m: any) => [m.last4, m.is_default])).toEqual([
      ['4242', false],
      ['0341', true],
    ]);
    for (const m of doc.payment_methods) expect(Object.keys(m)).toEqual(Object.keys(summary(m)));
    expect(doc.contacts).toEqual(await all('GET /v1/orgs/{org}/contacts'));
    expect(doc.notices).toEqual((await all('GET /v1/orgs/{org}/notifications')).reverse());
    expect(doc.notices.map((n: any) => n.kind)).toContain('budget');
    const budgets = (await call('GET /v1/orgs/{org}/budgets')).body;
    expect(doc.budgets.budgets).toEqual(budgets.budgets);
    expect(doc.budgets.notified.map((n: any) => n.period)).toEqual(['2026-11']);
    expect(doc.quarantined_usage_events).toEqual((await all('GET /v1/orgs/{org}/usage/rejected')).reverse());
    expect(doc.quarantined_usage_events[0]).toMatchObject({ event_id: 'bad', reason: 'invalid_event' });
    expect(doc.billing_settings).toEqual((await call('GET /v1/orgs/{org}/billing-settings')).body);
    expect(doc.org).toMatchObject({ id: org.id, name: 'Export Co', default_currency: 'USD' });
  });

  it('contains no token, secret key or signing secret', () => {
    const secrets = [...Object.values(org.tokens), org.platform, ...loadConfig().stripeWebhookSecrets];
    for (const secret of secrets) expect(text.includes(secret)).toBe(false);
    for (const pattern of [/eyJ[\w-]+\.eyJ/, /whsec_/, /sk_(test|live)_/, /_secret_/, /client_secret/i, /bearer /i]) {
      expect([pattern.source, pattern.test(text)]).toEqual([pattern.source, false]);
    }
  });
});

describe('the export routes', () => {
  it('replays POST …/exports with the same Idempotency-Key, and lists recent exports newest first', async () => {
    const replay = await call('POST /v1/orgs/{org}/exports', { headers: { 'idempotency-key': 'export-1' } });
    expect(replay.status).toBe(202);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(job.id);
    const second = await call('POST /v1/orgs/{org}/exports');
    const listed = await call('GET /v1/orgs/{org}/exports');
    expect(listed.body.data.map((e: any) => e.id).slice(0, 2)).toEqual([second.body.id, job.id]);
    expect(listed.body.data[1]).toMatchObject({ status: 'ready', sha256: job.sha256, download_url: null });
  });

  it('GET …/export holds, answers 503 + Retry-After while it builds, then 303 to the file; reuses it for 5 minutes', async () => {
    const d = { ...deps, exportHoldMs: 300 };
    setDepsForTesting(d);
    try {
      const fresh = await api.newOrg();
      const first = await api.request('GET /v1/orgs/{org}/export', {
        token: fresh.tokens.billing_admin,
        params: { org: fresh.id },
      });
      expect(first.status).toBe(503);
      expect(first.headers.get('retry-after')).toBe('2');
      expect(first.body).toMatchObject({ status: 'building' });
      const async = await api.request('GET /v1/orgs/{org}/export', {
        token: fresh.tokens.billing_admin,
        params: { org: fresh.id },
        headers: { prefer: 'respond-async' },
      });
      expect(async.status).toBe(202);
      expect(async.body.id).toBe(first.body.id);
      expect(async.headers.get('location')).toBe(`/v1/orgs/${fresh.id}/exports/${first.body.id}`);
      expect(await buildExport(d, { orgId: fresh.id, exportId: first.body.id })).toBe('built');
      const res = await fetch(`${api.url}/v1/orgs/${fresh.id}/export`, {
        headers: { authorization: `Bearer ${fresh.tokens.owner}` },
        redirect: 'manual',
      });
      expect(res.status).toBe(303);
      const file = await fetch(res.headers.get('location')!);
      expect(((await file.json()) as { org: { id: string } }).org.id).toBe(fresh.id);
      // Within 5 minutes the same export is reused; after them a new one is built.
      clock.set('2026-12-20T00:04:00.000Z');
      const reused = await fetch(`${api.url}/v1/orgs/${fresh.id}/export`, {
        headers: { authorization: `Bearer ${fresh.tokens.owner}` },
        redirect: 'manual',
      });
      expect(reused.status).toBe(303);
      clock.set('2026-12-20T00:06:00.000Z');
      const rebuilt = await api.request('GET /v1/orgs/{org}/export', {
        token: fresh.tokens.owner,
        params: { org: fresh.id },
      });
      expect(rebuilt.status).toBe(503);
      expect(rebuilt.body.id).not.toBe(first.body.id);
    } finally {
      clock.set('2026-12-20T00:00:00.000Z');
      setDepsForTesting(deps);
    }
  });

  it('refuses a developer (403) and answers 404 for another org’s export', async () => {
    for (const key of [
      'POST /v1/orgs/{org}/exports',
      'GET /v1/orgs/{org}/exports',
      'GET /v1/orgs/{org}/exports/{id}',
      'GET /v1/orgs/{org}/export',
    ]) {
      const res = await call(key, { token: org.tokens.developer, params: { id: job.id } });
      expect([key, res.status]).toEqual([key, 403]);
    }
    const elsewhere = await api.request('GET /v1/orgs/{org}/exports/{id}', {
      token: other.tokens.owner,
      params: { org: other.id, id: job.id },
    });
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.error.code).toBe('export_not_found');
    const crossOrg = await api.request('GET /v1/orgs/{org}/exports/{id}', {
      token: other.tokens.owner,
      params: { org: org.id, id: job.id },
    });
    expect(crossOrg.status).toBe(404);
  });

  it('signs download URLs for 15 minutes', async () => {
    const view = (await call('GET /v1/orgs/{org}/exports/{id}', { params: { id: job.id } })).body;
    for (const url of [view.download_url, view.download_url_gzip]) {
      const u = new URL(url);
      expect(u.searchParams.get('X-Amz-Expires')).toBe('900');
      expect(u.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    }
    const expires = Date.parse(view.download_expires_at) - Date.now();
    expect(expires).toBeGreaterThan(14 * 60_000);
    expect(expires).toBeLessThanOrEqual(15 * 60_000);
  });

  it('keeps an export’s record and the current-export pointer 90 days (DynamoDB TTL); a pointer that outlives its record does not block the next export', async () => {
    const config = loadConfig();
    const db = createDocumentClient(config);
    const fresh = await api.newOrg();
    const download = () =>
      api.request('GET /v1/orgs/{org}/export', {
        token: fresh.tokens.owner,
        params: { org: fresh.id },
        headers: { prefer: 'respond-async' },
      });
    const first = await download();
    expect(first.status).toBe(202);
    const ttl = Math.floor((Date.parse(first.body.created_at) + 90 * 24 * 60 * 60_000) / 1000);
    const stored = async (key: TableKey) =>
      (await db.send(new GetCommand({ TableName: config.tableName, Key: key, ConsistentRead: true }))).Item;
    expect((await stored(keys.exportJob(fresh.id, first.body.id)))?.expiresAt).toBe(ttl);
    expect((await stored(keys.exportCurrent(fresh.id)))?.expiresAt).toBe(ttl);
    expect(await buildExport(deps, { orgId: fresh.id, exportId: first.body.id })).toBe('built');
    // The finished record is written whole again: it keeps its TTL.
    expect((await stored(keys.exportJob(fresh.id, first.body.id)))?.expiresAt).toBe(ttl);

    // The TTL removes the record and the pointer in no set order: here the record goes first.
    await db.send(new DeleteCommand({ TableName: config.tableName, Key: keys.exportJob(fresh.id, first.body.id) }));
    try {
      clock.set('2026-12-20T00:06:00.000Z');
      const next = await download();
      expect(next.status).toBe(202);
      expect(next.body.id).not.toBe(first.body.id);
      expect((await stored(keys.exportCurrent(fresh.id)))?.data.exportId).toBe(next.body.id);
    } finally {
      clock.set('2026-12-20T00:00:00.000Z');
      db.destroy();
    }
  });

  it('shows an export as expired, without URLs, once the bucket’s 7 days are over', async () => {
    const expiresAt = Date.parse(job.created_at) + 7 * 24 * 60 * 60_000;
    try {
      clock.set(new Date(expiresAt - 1).toISOString());
      const lastMoment = (await call('GET /v1/orgs/{org}/exports/{id}', { params: { id: job.id } })).body;
      expect(lastMoment).toMatchObject({ status: 'ready', files_expire_at: new Date(expiresAt).toISOString() });
      expect(lastMoment.download_url).toEqual(expect.any(String));
      expect(ExportResponse.strict().parse(lastMoment)).toEqual(lastMoment);
      clock.set(new Date(expiresAt).toISOString());
      const expired = await call('GET /v1/orgs/{org}/exports/{id}', { params: { id: job.id } });
      expect(expired.status).toBe(200);
      expect(expired.body).toMatchObject({
        status: 'expired',
        sha256: job.sha256,
        files_expire_at: new Date(expiresAt).toISOString(),
        download_url: null,
        download_url_gzip: null,
        download_expires_at: null,
      });
      // The answers are what the served OpenAPI document says (ExportResponse, no field beyond it).
      expect(ExportResponse.strict().parse(expired.body)).toEqual(expired.body);
      const listed = (await call('GET /v1/orgs/{org}/exports', { query: { limit: 100 } })).body.data;
      expect(listed.find((e: any) => e.id === job.id)).toMatchObject({ status: 'expired' });
      for (const e of listed) expect(ExportResponse.strict().parse(e)).toEqual(e);
    } finally {
      clock.set('2026-12-20T00:00:00.000Z');
    }
  });
});
