import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { SQSClient } from '@aws-sdk/client-sqs';
import Stripe from 'stripe';
import { stripeOptions } from '../../../functions/kernel/stripe/client';
import { publishUsage } from '../../../functions/usage/client/usage-publisher';
import { loadOrCreateDevKeys, mintToken } from '../../../scripts/local/dev-auth';
import { freePort } from '../../../scripts/local/processes';
import { assertAnswerInContract, routeAt } from '../../support/response-contract';

/**
 * `npm start -- --clock-start <a quarter hour before a month end> --speed 60 --late-grace 5m`: the
 * whole local product (its own DynamoDB Local, fauxqs, Stripe sandbox, gateway, pollers and schedules)
 * run as a developer runs it. A customer saves a card, buys Team and uses it in the last minutes of
 * November; the upcoming invoice is read just before midnight; after the grace the close schedule
 * issues the period invoice, which bills exactly what the preview showed: the first short period's
 * line, December's fee in advance and November's usage; the collection schedule charges it with the saved
 * card, and `npm run reconcile` finds the ledger and Stripe in agreement.
 */
const ROOT = resolve(__dirname, '../../..');
const CLOCK_START = '2026-11-30T23:45:00.000Z';
const MONTH_END = Date.parse('2026-12-01T00:00:00.000Z');

let runtime: ChildProcess;
let dataDir: string;
let api: string;
let output = '';
/** What the first test leaves for the export test: the org, its tokens, the secrets it saw, its invoice. */
let seen: { orgId: string; tokens: string[]; clientSecret: string; invoice: Record<string, any> } | undefined;

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}\n--- runtime output ---\n${output.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const productNow = async () => Date.parse(((await (await fetch(`${api}/v1/health`)).json()) as { now: string }).now);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'month-end-'));
  const [apiPort, dynamodbPort, sqsPort, stripePort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  api = `http://127.0.0.1:${apiPort}`;
  runtime = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/local/start.ts',
      '--data-dir',
      dataDir,
      '--api-port',
      String(apiPort),
      '--dynamodb-port',
      String(dynamodbPort),
      '--sqs-port',
      String(sqsPort),
      '--stripe-port',
      String(stripePort),
      '--clock-start',
      CLOCK_START,
      '--speed',
      '60',
      '--late-grace',
      '5m',
    ],
    {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOCAL_QUIET: 'true', STRIPE_SECRET_KEY: '' },
    },
  );
  runtime.stdout?.on('data', (c) => {
    output = (output + c).slice(-20_000);
  });
  runtime.stderr?.on('data', (c) => {
    output = (output + c).slice(-20_000);
  });
  await until('npm start to be ready', async () => (output.includes('ready in') ? true : undefined), 120_000);
}, 150_000);

afterAll(async () => {
  if (runtime?.pid) {
    const exited = new Promise((r) => runtime.once('exit', r));
    process.kill(-runtime.pid, 'SIGINT');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (runtime.exitCode === null) process.kill(-runtime.pid, 'SIGKILL');
  }
  rmSync(dataDir, { recursive: true, force: true });
}, 30_000);

describe('npm start --clock-start before a month end', () => {
  it('reports the product clock, and issues the period invoice after the grace with what the preview showed', async () => {
    const health = (await (await fetch(`${api}/v1/health`)).json()) as Record<string, any>;
    expect(Date.parse(health.now)).toBeGreaterThanOrEqual(Date.parse(CLOCK_START));
    expect(Date.parse(health.now)).toBeLessThan(MONTH_END);
    expect(health.clock).toEqual({ speed: 60 });

    const endpoints = JSON.parse(readFileSync(join(dataDir, 'local-endpoints.json'), 'utf8'));
    const keys = await loadOrCreateDevKeys(join(dataDir, 'dev-keys'));
    const orgId = `org_month_end_${Date.now().toString(36)}`;
    const platform = await mintToken(keys, { sub: 'svc_platform', role: 'platform' }, 3600);
    const owner = await mintToken(keys, { sub: `user_owner@${orgId}`, org_id: orgId, role: 'owner' }, 3600);
    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await fetch(`${api}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const answer = { status: res.status, contentType: res.headers.get('content-type'), body: await res.json() };
      assertAnswerInContract(routeAt(method, path), answer);
      return { status: res.status, body: answer.body as any };
    };
    expect(
      (await call('PUT', `/v1/orgs/${orgId}`, platform, { name: 'Month End Co', default_currency: 'USD' })).status,
    ).toBe(201);

    // A card, as Stripe.js would save it, then Team.
    const si = await call('POST', `/v1/orgs/${orgId}/payment-methods/setup-intents`, owner);
    expect(si.status).toBe(201);
    const stripe = new Stripe(
      endpoints.stripeSandboxApiKey,
      stripeOptions({ stripeApiUrl: endpoints.stripeSandboxUrl }),
    );
    await stripe.setupIntents.confirm(si.body.id, { payment_method: 'pm_card_visa' });
    await until('the card to be reconciled', async () => {
      const pms = await call('GET', `/v1/orgs/${orgId}/payment-methods`, owner);
      return pms.body.data?.some((m: any) => m.is_default) ? true : undefined;
    });
    const bought = await call('POST', `/v1/orgs/${orgId}/subscription`, owner, { plan_id: 'team', currency: 'USD' });
    expect(bought.status).toBe(201);

    // 60,000 tool invocations in November's last minutes (10,000 beyond Team's 50,000 included).
    const stamped = (await productNow()) + 1_000;
    expect(stamped).toBeLessThan(MONTH_END);
    const sqs = new SQSClient({
      region: 'us-east-1',
      endpoint: endpoints.sqs,
      useQueueUrlAsEndpoint: false,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await publishUsage({ sqs, queueUrl: endpoints.usageQueueUrl }, [
      {
        id: 'run_me:1',
        org_id: orgId,
        type: 'tool_invocation',
        timestamp: new Date(stamped).toISOString(),
        tool: 'search',
        count: 60_000,
      },
    ]);
    sqs.destroy();
    await until('the usage to be counted', async () => {
      const s = await call('GET', `/v1/orgs/${orgId}/usage/summary`, owner);
      return s.body.events_counted === 1 ? true : undefined;
    });

    // The preview, read just before midnight (product time).
    await until('the last minute of November', async () =>
      (await productNow()) > MONTH_END - 90_000 ? true : undefined,
    );
    const upcoming = await call('GET', `/v1/orgs/${orgId}/invoices/upcoming`, owner);
    expect(upcoming.status).toBe(200);
    expect(upcoming.body.period.start).toBe('2026-11-01T00:00:00.000Z');

    const issued = await until(
      'the period invoice',
      async () => {
        const list = await call('GET', `/v1/orgs/${orgId}/invoices`, owner, undefined);
        // During the late-event grace the period's invoice is listed as a draft; it is issued after it.
        return list.body.data?.find((i: any) => i.kind === 'period' && i.status !== 'draft');
      },
      90_000,
      500,
    );
    expect(await productNow()).toBeGreaterThan(MONTH_END + 5 * 60_000);
    // The collectInvoices schedule charges it with the saved card within a (sped-up) minute.
    const detail = await until(
      'the period invoice to be paid',
      async () => {
        const found = (await call('GET', `/v1/orgs/${orgId}/invoices/${issued.id}`, owner)).body;
        return found.status === 'paid' ? found : undefined;
      },
      30_000,
      500,
    );
    expect(detail).toMatchObject({
      collection_method: 'charge_automatically',
      stripe_invoice_id: expect.stringMatching(/^in_/),
      hosted_invoice_url: expect.stringMatching(/^https:/),
      payment_attempts: [expect.objectContaining({ outcome: 'succeeded', amount_minor: detail.amount_due_minor })],
    });
    const kinds = detail.lines.map((l: any) => `${l.kind}:${l.period}`).sort();
    expect(kinds).toEqual(['first_period_fee:2026-11', 'flat_fee:2026-12', 'usage:2026-11']);
    expect(detail.lines.find((l: any) => l.kind === 'usage')).toMatchObject({ quantity: 60_000, amount_minor: 1_000 });
    expect(detail.lines.find((l: any) => l.kind === 'flat_fee')).toMatchObject({ amount_minor: 4_900 });
    const same = ({
      status: _s,
      number: _n,
      issued_at: _i,
      due_at: _d,
      created_at: _c,
      stripe_invoice_id: _si,
      hosted_invoice_url: _h,
      invoice_pdf: _p,
      payment_attempts: _a,
      paid_at: _pa,
      amount_paid_minor: _ap,
      ...rest
    }: any) => rest;
    expect(same(detail)).toEqual(same(upcoming.body));
    expect(detail.number).toMatch(/-0001$/);

    // The month's drift report, as `npm run reconcile` prints it: Stripe agrees with the ledger.
    const reconcile = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/reconcile.ts', '--data-dir', dataDir], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT', STRIPE_SECRET_KEY: '' },
      timeout: 60_000,
    });
    expect(reconcile.status).toBe(0);
    expect(reconcile.stdout).toMatch(/invoices, \d+ charges checked: no differences/);
    seen = { orgId, tokens: [owner, platform], clientSecret: si.body.client_secret, invoice: detail };
  }, 240_000);

  it('serves the billing export to the one curl command of the README, with the invoice and no secret', async () => {
    if (!seen) throw new Error('the month-end test did not get as far as the invoice');
    const file = join(dataDir, 'export.json');
    // Exactly the README's command: curl follows the 303 to the file and retries the 503s while it builds.
    await promisify(execFile)(
      'curl',
      [
        '-sS',
        '-f',
        '-L',
        '--retry',
        '10',
        '--retry-delay',
        '1',
        '-H',
        `authorization: Bearer ${seen.tokens[0]}`,
        `${api}/v1/orgs/${seen.orgId}/export`,
        '-o',
        file,
      ],
      { timeout: 60_000 },
    );
    const text = readFileSync(file, 'utf8');
    const doc = JSON.parse(text);
    expect(doc.org.id).toBe(seen.orgId);
    expect(doc.invoices.find((i: any) => i.id === seen!.invoice.id)).toEqual(seen.invoice);
    expect(doc.payment_methods).toEqual([expect.objectContaining({ brand: 'visa', last4: '4242', is_default: true })]);
    // The SetupIntent's client secret, the webhook signing secret, the sandbox's API key and the tokens
    // all passed through this runtime; none may be in the document.
    const webhookSecret = readFileSync(join(dataDir, 'stripe-webhook-secret'), 'utf8').trim();
    for (const secret of [seen.clientSecret, webhookSecret, 'sk_test_local_sandbox', ...seen.tokens]) {
      expect(text.includes(secret)).toBe(false);
    }
    expect(/_secret_|whsec_|eyJ[\w-]+\.eyJ/.test(text)).toBe(false);
  }, 90_000);
});
