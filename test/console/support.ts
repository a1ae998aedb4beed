import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { type Browser, type BrowserContext, chromium, type Download, type Page } from 'playwright-core';
import Stripe from 'stripe';
import { ulid } from 'ulid';
import type { Role } from '../../functions/routes';
import { loadOrCreateDevKeys, mintToken } from '../../scripts/local/dev-auth';
import { freePort } from '../../scripts/local/processes';
import { localSqsClient } from '../../scripts/local/sqs';
import { assertAnswerInContract, routeAt } from '../support/response-contract';

/**
 * The browser tests' world: `npm start`'s own runtime (scripts/local/start.ts: DynamoDB Local, fauxqs,
 * the Stripe sandbox, the gateway serving /console) on free ports with a fresh data folder, and
 * Debian's Chromium driven by playwright-core (never a downloaded browser). Data is made through the
 * public API, SQS and the sandbox, as a customer, the agent runtime and Stripe would.
 *
 * The runtime runs under scripts/local/child-guard.mjs with a stdin pipe from this process, so it
 * stops even if jest is killed without running afterAll.
 */
export const ROOT = resolve(__dirname, '../..');
export const RESULTS_DIR = join(ROOT, 'console-results');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const START_TIMEOUT_MS = 180_000;

interface Endpoints {
  api: string;
  sqs: string;
  usageQueueUrl: string;
  stripeSandboxUrl: string;
  stripeSandboxApiKey: string;
  devKeysDir: string;
}

export interface World {
  api: string;
  /** The console link `npm start` printed (the demo org's owner). */
  link: string;
  endpoints: Endpoints;
  browser: Browser;
  stripe: Stripe;
  token(claims: { sub: string; org_id?: string; role: Role }): Promise<string>;
  stop(): Promise<void>;
}

export interface Org {
  id: string;
  name: string;
  tokens: Record<Exclude<Role, 'platform'>, string>;
}

export async function startWorld(): Promise<World> {
  const dataDir = mkdtempSync(join(tmpdir(), 'console-test-'));
  const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const args = [
    join(ROOT, 'scripts/local/child-guard.mjs'),
    process.execPath,
    '--import',
    'tsx',
    join(ROOT, 'scripts/local/start.ts'),
    '--api-port',
    String(ports[0]),
    '--dynamodb-port',
    String(ports[1]),
    '--sqs-port',
    String(ports[2]),
    '--stripe-port',
    String(ports[3]),
    '--data-dir',
    dataDir,
    // Failed queue records come back quickly (the reconciler waits on webhooks in these tests).
    '--retry-delay',
    '1',
  ];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOCAL_QUIET: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  delete env.STRIPE_SECRET_KEY; // always the sandbox
  const child = spawn(process.execPath, args, { cwd: ROOT, detached: true, stdio: ['pipe', 'pipe', 'pipe'], env });
  child.stdin.on('error', () => {});
  try {
    return await connect(child, dataDir);
  } catch (error) {
    // Nothing may outlive a failed start: the runtime (and its JVM) stops with the group.
    await stopGroup(child);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

async function connect(child: ChildProcessWithoutNullStreams, dataDir: string): Promise<World> {
  const link = await waitForLink(child);
  const endpoints = JSON.parse(readFileSync(join(dataDir, 'local-endpoints.json'), 'utf8')) as Endpoints;
  const keys = await loadOrCreateDevKeys(endpoints.devKeysDir);
  // Playwright launches Chromium with a fresh temporary --user-data-dir of its own (and refuses one in
  // `args`); the other flags keep it off the network: no updates, sync, QUIC or background fetches.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const sandbox = new URL(endpoints.stripeSandboxUrl);
  const stripe = new Stripe(endpoints.stripeSandboxApiKey, {
    host: sandbox.hostname,
    port: sandbox.port,
    protocol: 'http',
    maxNetworkRetries: 2,
    telemetry: false,
  });
  mkdirSync(RESULTS_DIR, { recursive: true });
  return {
    api: endpoints.api,
    link,
    endpoints,
    browser,
    stripe,
    token: (claims) => mintToken(keys, claims, 3600),
    async stop() {
      await browser.close().catch(() => {});
      await stopGroup(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function waitForLink(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolveLink, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`npm start did not print the console link\n${out}\n${err}`)),
      START_TIMEOUT_MS,
    );
    child.stderr.on('data', (c: Buffer) => {
      err = (err + c.toString()).slice(-20_000);
    });
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const link = /^Console\s+(http\S+#token=\S+)/m.exec(out)?.[1];
      if (link) {
        clearTimeout(timer);
        resolveLink(link);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}) before it was ready\n${out}\n${err}`));
    });
  });
}

async function stopGroup(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    process.kill(-child.pid!, 'SIGTERM');
  } catch {
    return;
  }
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000).unref());
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {}
  }
}

/** The public API as a client calls it. */
export async function call<T = any>(
  world: World,
  method: string,
  path: string,
  token: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; text: string }> {
  const res = await fetch(`${world.api}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  const parsed = type.includes('json') && text ? JSON.parse(text) : text;
  assertAnswerInContract(routeAt(method, path), {
    status: res.status,
    contentType: res.headers.get('content-type'),
    body: text ? parsed : undefined,
  });
  return { status: res.status, body: parsed as T, text };
}

export async function must<T = any>(
  world: World,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<T> {
  const res = await call<T>(world, method, path, token, body);
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${res.text}`);
  return res.body;
}

export async function newOrg(world: World, name = 'Console Test Co', currency = 'USD'): Promise<Org> {
  const id = `org_${ulid().toLowerCase()}`;
  const platform = await world.token({ sub: 'svc_platform', role: 'platform' });
  await must(world, 'PUT', `/v1/orgs/${id}`, platform, { name, default_currency: currency });
  const roles = ['owner', 'billing_admin', 'developer', 'viewer'] as const;
  const tokens = Object.fromEntries(
    await Promise.all(
      roles.map(async (role) => [role, await world.token({ sub: `user_${role}@${id}`, org_id: id, role })]),
    ),
  ) as Org['tokens'];
  return { id, name, tokens };
}

export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A card saved as Stripe.js would (confirmed in the sandbox), once the webhook-fed mirror lists it. */
export async function addCard(world: World, org: Org, paymentMethod = 'pm_card_visa') {
  const si = await must(world, 'POST', `/v1/orgs/${org.id}/payment-methods/setup-intents`, org.tokens.owner);
  await world.stripe.setupIntents.confirm(si.id, { payment_method: paymentMethod });
  await until('the card in the mirror', async () => {
    const list = await must(world, 'GET', `/v1/orgs/${org.id}/payment-methods`, org.tokens.owner);
    return list.data.some((m: { is_default: boolean }) => m.is_default) ? true : undefined;
  });
  return { customerId: si.customer_id as string };
}

export interface TokenEvent {
  at: string;
  model: string;
  input: number;
  output: number;
  agent?: string;
}

/** Usage through SQS, the way the agent runtime sends it; resolves once every event is counted. */
export async function sendUsage(world: World, org: Org, events: TokenEvent[]): Promise<void> {
  const sqs = localSqsClient(world.endpoints.sqs);
  const from = events.map((e) => e.at.slice(0, 10)).sort()[0];
  const inputTokens = async () => {
    const report = await must(
      world,
      'GET',
      `/v1/orgs/${org.id}/usage/report?from=${from}&group_by=meter`,
      org.tokens.owner,
    );
    return report.rows
      .filter((r: { meter: string }) => r.meter === 'llm_input_tokens')
      .reduce((s: number, r: { quantity: number }) => s + r.quantity, 0);
  };
  const expected = (await inputTokens()) + events.reduce((s, e) => s + e.input, 0);
  const body = events.map((e, i) => ({
    id: `run_${org.id}_${ulid()}:step_${i}`,
    org_id: org.id,
    type: 'llm_tokens',
    timestamp: e.at,
    model: e.model,
    input_tokens: e.input,
    output_tokens: e.output,
    agent_id: e.agent ?? 'agent_support',
    connection_id: 'conn_main',
  }));
  for (let i = 0; i < body.length; i += 50) {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: world.endpoints.usageQueueUrl,
        MessageBody: JSON.stringify(body.slice(i, i + 50)),
      }),
    );
  }
  sqs.destroy();
  // The report (not the summary) also sees events stamped in the previous period.
  await until('the usage events to be counted', async () => ((await inputTokens()) >= expected ? true : undefined));
}

/** A browser tab signed in with `token` through the fragment, as the printed link does. */
export async function openConsole(
  world: World,
  token: string,
  route = 'overview',
  viewport = { width: 1280, height: 900 },
): Promise<{ context: BrowserContext; page: Page; errors: string[]; received: Map<string, any> }> {
  const context = await world.browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // What the page itself received from the API, by path: a forecast moves with the clock, so the page's
  // figures are checked against the answer it rendered (and that answer against a fresh read).
  const received = new Map<string, any>();
  // And every answer the page got is one the OpenAPI document describes (a violation is a page error).
  // Ours only: Stripe.js's calls to the Stripe sandbox are /v1/ paths too.
  const apiOrigin = new URL(world.api).origin;
  page.on('response', (r) => {
    const url = new URL(r.url());
    if (url.origin !== apiOrigin || !url.pathname.startsWith('/v1/')) return;
    const contentType = r.headers()['content-type'] ?? null;
    const isJson = (contentType ?? '').includes('json');
    (isJson ? r.json() : Promise.resolve(undefined)).then(
      (body) => {
        if (isJson) received.set(url.pathname, body);
        try {
          assertAnswerInContract(routeAt(r.request().method(), url.pathname), {
            status: r.status(),
            contentType,
            body,
          });
        } catch (e) {
          errors.push((e as Error).message);
        }
      },
      () => {},
    );
  });
  // A token, or a whole sign-in link (the one npm start prints).
  await page.goto(token.startsWith('http') ? token : `${world.api}/console/#token=${token}`);
  await page.waitForSelector('nav a');
  if (route !== 'overview') await page.goto(`${world.api}/console/#/${route}`);
  return { context, page, errors, received };
}

export async function chartData(
  page: Page,
  id: string,
): Promise<{ labels: string[]; series: { label: string; data: any[] }[] }> {
  const raw = await page.getAttribute(`#${id}`, 'data-chart');
  if (!raw) throw new Error(`no chart #${id}`);
  return JSON.parse(raw);
}

export const series = (chart: { series: { label: string; data: any[] }[] }, label: string) => {
  const s = chart.series.find((x) => x.label === label);
  if (!s) throw new Error(`no series "${label}" in ${chart.series.map((x) => x.label).join(', ')}`);
  return s.data;
};

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(RESULTS_DIR, `${name}.png`), fullPage: true });
}

/** "$1,234.56" for USD minor units, as the console writes it. */
export const usd = (minor: number) =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(minor / 100);

export const isoDay = (offsetDays: number, from = new Date()) => {
  const d = new Date(from);
  d.setUTCDate(d.getUTCDate() + offsetDays);
  return d.toISOString().slice(0, 10);
};

/** Every byte of a download the page started. */
export async function downloaded(download: Download): Promise<Buffer> {
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** "1 Dec 2026", as the console writes a date (UTC). */
export const dateText = (iso: string) =>
  new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
