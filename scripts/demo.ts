import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import Stripe from 'stripe';
import { publishUsage } from '../functions/usage/client/usage-publisher';
import type { UsageEventWire } from '../functions/usage/event-contract';
import { type DevKeys, loadOrCreateDevKeys, mintToken } from './local/dev-auth';
import { localSqsClient } from './local/sqs';
import { mulberry32 } from './support/prng';

/**
 * `npm run demo`: a new customer's first day, end to end through the public API, against an
 * already running `npm start`. The Stripe sandbox plays Stripe.js and the card network, SQS plays the
 * agent runtime; everything else is the product's own routes, queues, consumers and schedules.
 *
 *   npm run demo [-- --data-dir DIR] [--events N] [--no-wait]
 *
 * Endpoints, the sandbox's URL and the dev signing keys come from <data-dir>/local-endpoints.json
 * (written by `npm start`). Each run provisions a new org (`org_demo_<random>`), so it can run again.
 */
const ROOT = resolve(__dirname, '..');
const { values: flags } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    events: { type: 'string', default: '3000' },
    'no-wait': { type: 'boolean', default: false },
  },
});

interface LocalEndpoints {
  api: string;
  sqs: string;
  usageQueueUrl: string;
  stripeSandboxUrl?: string;
  stripeSandboxApiKey?: string;
  devKeysDir?: string;
  notificationsDir?: string;
}

class DemoError extends Error {}

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const out = (line = '') => process.stdout.write(`${line}\n`);
let stepNo = 0;
const step = (title: string) => out(`\n━━ ${++stepNo}. ${title}  (${elapsed()})`);
const say = (line: string) => out(`   ${line}`);

const DIGITS: Record<string, number> = { JPY: 0 };
function money(minor: number, currency: string): string {
  const digits = DIGITS[currency.toUpperCase()] ?? 2;
  return new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency: currency.toUpperCase(),
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(minor / 10 ** digits);
}
const num = (n: number) => n.toLocaleString('en-US');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `probe` until it answers something other than undefined; fails naming `what` and the last value. */
interface Health {
  readonly now: string;
  readonly speed: number;
}

/** The product clock, as GET /v1/health reports it. */
async function health(): Promise<Health> {
  const body = (await (await fetch(`${API}/v1/health`)).json()) as { now: string; clock?: { speed?: number } };
  return { now: body.now, speed: body.clock?.speed ?? 1 };
}

const productNow = async () => Date.parse((await health()).now);

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 150) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new DemoError(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

// ─── the API client ────────────────────────────────────────────────────────────────────────────────
interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Statuses that are not an error (default: any 2xx). */
  expect?: number[];
}
interface Reply<T> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

let API = '';
// biome-ignore lint/suspicious/noExplicitAny: the demo reads the API's JSON loosely, field by field
type Json = any;

async function call<T = Json>(method: string, path: string, options: CallOptions = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${API}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new DemoError(`${method} ${path} did not answer: ${(error as Error).message}`);
  }
  const text = await res.text();
  const ok = options.expect ? options.expect.includes(res.status) : res.status >= 200 && res.status < 300;
  if (!ok) {
    throw new DemoError(`${method} ${path} answered ${res.status}${options.expect ? ` (expected ${options.expect})` : ''}:
${text.slice(0, 2000)}`);
  }
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text);
  return { status: res.status, body: body as T, text, headers: res.headers };
}

// ─── usage, as the agent runtime would report it ──────────────────────────────────────────────────────

const AGENTS = [
  { id: 'agent_support-bot', connection: 'conn_zendesk', weight: 0.4, models: ['claude-haiku-4', 'claude-sonnet-4'] },
  { id: 'agent_code-review', connection: 'conn_github', weight: 0.25, models: ['claude-sonnet-4'] },
  { id: 'agent_research', connection: 'conn_slack', weight: 0.2, models: ['claude-opus-4', 'claude-sonnet-4'] },
  { id: 'agent_sales-assistant', connection: 'conn_salesforce', weight: 0.15, models: ['claude-haiku-4'] },
] as const;
const TOOLS = ['web_search', 'code_exec', 'sql_query', 'crm_lookup', 'ticket_update'];
const BLOCKED_AGENT = 'agent_support-bot';
const OTHER_AGENT = 'agent_research';

/**
 * `count` events of agent traffic stamped between `from` and `to` (ms): runs of a few model and tool
 * calls, then the run itself. The demo's org bought its plan moments before, and usage is priced under
 * the terms in force at its timestamp, so the traffic is stamped after the purchase (usage from before
 * it would be free-tier usage). `burst` keeps run ids distinct between calls.
 */
function agentTraffic(orgId: string, count: number, from: number, to: number, burst: string): UsageEventWire[] {
  // Seeded: the same run id gives the same events, byte for byte.
  const rand = mulberry32((Number.parseInt(orgId.slice(-6), 36) || 1) + burst.length);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const pickAgent = () => {
    let r = rand();
    for (const a of AGENTS) {
      r -= a.weight;
      if (r < 0) return a;
    }
    return AGENTS[0];
  };
  const events: UsageEventWire[] = [];
  let run = 0;
  while (events.length < count) {
    // One agent run: a few model calls and tool calls, then the run itself — ids are run + step.
    const agent = pickAgent();
    const runId = `run_${orgId.slice(-6)}_${burst}${String(++run).padStart(5, '0')}`;
    const at = from + (to - from) * Math.min(1, (events.length + rand() * 8) / count);
    const steps = 3 + Math.floor(rand() * 8);
    const base = (i: number) => ({
      id: `${runId}:step_${i}`,
      org_id: orgId,
      timestamp: new Date(Math.min(to, at + i * 4_000)).toISOString(),
      agent_id: agent.id,
      connection_id: agent.connection,
      run_id: runId,
    });
    for (let i = 0; i < steps && events.length < count - 1; i++) {
      if (rand() < 0.72) {
        const model = pick(agent.models);
        events.push({
          ...base(i),
          type: 'llm_tokens',
          model,
          input_tokens: 4_000 + Math.floor(rand() * 20_000),
          output_tokens: 300 + Math.floor(rand() * 2_500),
          cached_input_tokens: Math.floor(rand() * 9_000),
        });
      } else {
        events.push({ ...base(i), type: 'tool_invocation', tool: pick(TOOLS), count: 1 + Math.floor(rand() * 3) });
      }
    }
    events.push({ ...base(steps), type: 'agent_run', count: 1 });
  }
  return events.slice(0, count);
}

// ─── the demo ──────────────────────────────────────────────────────────────────────────────────────
async function main() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const eventCount = Number(flags.events);
  if (!Number.isInteger(eventCount) || eventCount < 50) throw new DemoError('--events must be an integer ≥ 50');
  const dataDir = resolve(flags['data-dir'] ?? process.env.LOCAL_DATA_DIR ?? join(ROOT, '.data'));
  const endpointsFile = join(dataDir, 'local-endpoints.json');
  if (!existsSync(endpointsFile)) {
    throw new DemoError(`start the product first: npm start  (${endpointsFile} is missing)`);
  }
  const endpoints = JSON.parse(readFileSync(endpointsFile, 'utf8')) as LocalEndpoints;
  API = endpoints.api;
  try {
    const health = await fetch(`${API}/v1/health`, { signal: AbortSignal.timeout(3_000) });
    if (!health.ok) throw new Error(`health answered ${health.status}`);
  } catch (error) {
    throw new DemoError(
      `start the product first: npm start  (the API at ${API} does not answer: ${(error as Error).message})`,
    );
  }
  if (!endpoints.stripeSandboxUrl || !endpoints.stripeSandboxApiKey) {
    throw new DemoError(
      `${endpointsFile} names no Stripe sandbox: the demo confirms cards and opens disputes in the local sandbox (run npm start without STRIPE_SECRET_KEY)`,
    );
  }
  const keysDir = endpoints.devKeysDir ?? join(dataDir, 'dev-keys');
  if (!existsSync(join(keysDir, 'dev-jwt-key.json'))) {
    throw new DemoError(`no dev signing key in ${keysDir}: start the product first: npm start`);
  }
  const keys: DevKeys = await loadOrCreateDevKeys(keysDir);
  const notificationsDir = endpoints.notificationsDir ?? join(dataDir, 'notifications');
  const sandboxUrl = new URL(endpoints.stripeSandboxUrl);
  // What Stripe.js (and, for the dispute, the cardholder's bank) does, against the sandbox.
  const stripe = new Stripe(endpoints.stripeSandboxApiKey, {
    host: sandboxUrl.hostname,
    port: sandboxUrl.port,
    protocol: sandboxUrl.protocol.replace(':', '') as 'http' | 'https',
    maxNetworkRetries: 2,
    telemetry: false,
  });
  const sqs = localSqsClient(endpoints.sqs);

  const orgId = `org_demo_${randomBytes(4).toString('hex')}`;
  const platform = await mintToken(keys, { sub: 'svc_platform', role: 'platform' }, 3600);
  const owner = await mintToken(keys, { sub: `user_owner@${orgId}`, org_id: orgId, role: 'owner' }, 3600);
  const org = `/v1/orgs/${orgId}`;
  const as = { token: owner };
  out(`AI billing layer — a new customer, end to end  (API ${API})`);

  // 1 ─ provision and contacts
  step('Provision the org and its billing contacts');
  const provisioned = await call('PUT', org, {
    token: platform,
    body: { name: 'Acme Agents Inc.', default_currency: 'USD' },
  });
  say(
    `platform provisioned ${orgId} "${provisioned.body.name}" (${provisioned.status}, ${provisioned.body.default_currency})`,
  );
  const contacts = [
    {
      name: 'Finance',
      email: `finance@${orgId.replace(/_/g, '-')}.example.com`,
      notice_kinds: ['invoice', 'budget', 'payment_failed', 'dunning'],
    },
    { name: 'CTO', email: `cto@${orgId.replace(/_/g, '-')}.example.com`, notice_kinds: ['budget'] },
  ];
  for (const c of contacts) {
    const res = await call('POST', `${org}/contacts`, { ...as, body: c });
    say(`contact ${res.body.id}: ${c.name} <${c.email}> → ${c.notice_kinds.join(', ')}`);
  }

  // 2 ─ a card
  step('Save a card (SetupIntent → Stripe.js confirm → webhook → queue → reconciler)');
  const si = await call('POST', `${org}/payment-methods/setup-intents`, {
    ...as,
    headers: { 'idempotency-key': `demo-si-${orgId}` },
  });
  const customerId: string = si.body.customer_id;
  say(`setup intent ${si.body.id} for customer ${customerId}`);
  const confirmed = await stripe.setupIntents.confirm(si.body.id, { payment_method: 'pm_card_visa' });
  if (confirmed.status !== 'succeeded') throw new DemoError(`the sandbox left the SetupIntent ${confirmed.status}`);
  say(`confirmed in the sandbox with pm_card_visa → ${confirmed.status}`);
  const cardShownAt = Date.now();
  const methods = await until('the card to be reconciled as the default payment method', async () => {
    const res = await call(`GET`, `${org}/payment-methods`, as);
    return res.body.data.some((m: Json) => m.is_default) ? (res.body.data as Json[]) : undefined;
  });
  const card = methods.find((m) => m.is_default);
  say(
    `GET payment-methods: ${card.brand} •••• ${card.last4} exp ${card.exp_month}/${card.exp_year}, default (${Date.now() - cardShownAt} ms after confirm)`,
  );

  // 3 ─ buy team
  step('Buy the Team plan in USD (Idempotency-Key)');
  const buyKey = `demo-buy-${orgId}`;
  const bought = await call('POST', `${org}/subscription`, {
    ...as,
    headers: { 'idempotency-key': buyKey },
    body: { plan_id: 'team', currency: 'USD' },
  });
  const replay = await call('POST', `${org}/subscription`, {
    ...as,
    headers: { 'idempotency-key': buyKey },
    body: { plan_id: 'team', currency: 'USD' },
  });
  const sub = bought.body;
  say(
    `${sub.id}: ${sub.plan_name} (${sub.billing_model}), ${money(sub.flat_fee.amount_minor, sub.currency)}/month, period ${sub.current_period.start.slice(0, 10)} → ${sub.current_period.end.slice(0, 10)}`,
  );
  say(
    `same Idempotency-Key again → ${replay.status}, same subscription ${replay.body.id === sub.id ? '✓' : `✗ (${replay.body.id})`}`,
  );
  const detail = (await call('GET', `${org}/subscription`, as)).body;
  for (const a of detail.pending_adjustments as Json[]) {
    say(
      `pending adjustment: ${a.description} — ${money(a.amount_minor, a.currency)} (fraction ${Number(a.fraction).toFixed(4)} of ${money(a.full_amount_minor, a.currency)})`,
    );
  }

  // 4 ─ budgets
  step('Set budgets');
  // Small on purpose: the overage crosses every threshold of both.
  const orgBudgetMinor = 600;
  const agentBudgetMinor = 200;
  const budgets = await call('PUT', `${org}/budgets`, {
    ...as,
    body: {
      budgets: [
        {
          id: 'org-monthly',
          name: 'Monthly overage',
          scope: { kind: 'org' },
          amount_minor: orgBudgetMinor,
          thresholds: [50, 80, 100],
          action: 'alert',
        },
        {
          id: 'support-bot-cap',
          name: 'Support bot cap',
          scope: { kind: 'agent', id: BLOCKED_AGENT },
          amount_minor: agentBudgetMinor,
          action: 'block',
        },
      ],
    },
  });
  for (const b of budgets.body.budgets as Json[]) {
    say(
      `${b.id}: ${b.scope.kind}${b.scope.id ? ` ${b.scope.id}` : ''}, ${money(b.amount_minor, b.currency)}, ${b.action} at ${b.thresholds.join('/')} %`,
    );
  }

  // 5 ─ usage
  step(`Send ${num(eventCount)} usage events through SQS, as the agent runtime does`);
  // Stamped with the product clock (npm start --clock-start / --speed move it away from real time).
  const events = agentTraffic(orgId, eventCount, Date.parse(sub.started_at) + 1, await productNow(), 'a');
  const sendStarted = Date.now();
  const published = await publishUsage({ sqs, queueUrl: endpoints.usageQueueUrl }, events);
  const stamps = events.map((e) => e.timestamp).sort();
  say(
    `published ${num(published.events)} events in ${published.messages} messages / ${published.calls} SendMessageBatch calls (${Date.now() - sendStarted} ms)`,
  );
  say(
    `${AGENTS.length} agents, ${new Set(events.map((e) => e.run_id)).size} runs, from ${stamps[0]!.slice(0, 16)}Z to ${stamps.at(-1)!.slice(0, 16)}Z`,
  );
  const countStarted = Date.now();
  const counted = await until(
    `events_counted to reach ${eventCount}`,
    async () => {
      const s = (await call('GET', `${org}/usage/summary`, as)).body;
      return s.events_counted >= eventCount ? s : undefined;
    },
    60_000,
    250,
  );
  say(
    `usage summary: events_counted = ${num(counted.events_counted)} (${Date.now() - countStarted} ms after the last send)`,
  );
  const resend = events.slice(0, 500);
  await publishUsage({ sqs, queueUrl: endpoints.usageQueueUrl }, resend);
  await until('the usage queue to drain after the resend', async () => {
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: endpoints.usageQueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const left =
      Number(attrs.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(attrs.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
    return left === 0 ? true : undefined;
  });
  await sleep(300);
  const afterResend = (await call('GET', `${org}/usage/summary`, as)).body;
  const rejected = (await call('GET', `${org}/usage/rejected?limit=5`, as)).body.data as Json[];
  say(
    `resent ${resend.length} events with the same ids → events_counted = ${num(afterResend.events_counted)} ${afterResend.events_counted === counted.events_counted ? '(unchanged: counted exactly once ✓)' : '✗ CHANGED'}; quarantined: ${rejected.length}`,
  );
  if (afterResend.events_counted !== counted.events_counted) throw new DemoError('a resent event was counted twice');

  // 6 ─ reads
  step('Usage, costs, forecast and the entitlement check');
  const s = afterResend;
  say(`period ${s.period.key} on ${s.plan.id} v${s.plan.version} (${s.plan.billing_model}), ${s.currency}`);
  for (const m of s.by_meter as Json[])
    say(`  ${m.meter.padEnd(24)} ${num(m.quantity).padStart(14)}   ${money(m.amount_minor, s.currency).padStart(10)}`);
  say(`  ${'total (overage)'.padEnd(24)} ${''.padStart(14)}   ${money(s.total.amount_minor, s.currency).padStart(10)}`);
  say(
    `  included left: ${Object.entries(s.included_remaining)
      .map(([k, v]) => `${k} ${num(v as number)}`)
      .join(', ')}`,
  );
  const monthStart = `${s.period.start.slice(0, 10)}`;
  const tomorrow = new Date((await productNow()) + 86_400_000).toISOString().slice(0, 10);
  const range = `from=${monthStart}&to=${tomorrow}`;
  const report = (await call('GET', `${org}/usage/report?${range}&group_by=model`, as)).body;
  say(`report by model (${report.rows.length} rows):`);
  for (const r of (report.rows as Json[]).filter((r) => r.model))
    say(`  ${r.model.padEnd(16)} ${r.meter.padEnd(24)} ${num(r.quantity).padStart(14)}`);
  const costs = (await call('GET', `${org}/costs?${range}&group_by=agent`, as)).body;
  say('costs by agent:');
  for (const r of costs.rows as Json[])
    say(`  ${String(r.agent_id ?? '(none)').padEnd(24)} ${money(r.amount_minor, r.currency).padStart(10)}`);
  say(`  totals: ${(costs.totals as Json[]).map((t) => money(t.amount_minor, t.currency)).join(', ')}`);
  const csv = await call<string>('GET', `${org}/costs?${range}&group_by=agent`, {
    ...as,
    headers: { accept: 'text/csv' },
  });
  say(`costs CSV (${csv.headers.get('content-type')}):`);
  for (const line of csv.text.trim().split('\n').slice(0, 4)) say(`  | ${line}`);
  const forecast = (await call('GET', `${org}/usage/forecast`, as)).body;
  say(
    `forecast (${forecast.method}, ${(Number(forecast.elapsed_fraction) * 100).toFixed(1)} % of the period elapsed): spent ${money(forecast.spent_minor, forecast.currency)}, projected ${money(forecast.projected_minor, forecast.currency)} (${money(forecast.low_minor, forecast.currency)}–${money(forecast.high_minor, forecast.currency)})`,
  );
  for (const b of forecast.budgets as Json[]) {
    say(
      `  budget ${b.budget_id}: ${money(b.spent_minor, forecast.currency)} of ${money(b.limit_minor, forecast.currency)}, projected ${money(b.projected_minor, forecast.currency)}${b.exhausted_at ? `, exhausted at ${b.exhausted_at.slice(0, 16)}Z` : ''}`,
    );
  }
  const limits = (await call('GET', `${org}/budgets`, as)).body.status as Json[];
  say('budget status (GET budgets):');
  for (const l of limits) {
    say(
      `  ${l.kind} ${l.id}: ${money(l.used, l.unit)} of ${money(l.limit, l.unit)} = ${l.percent_used} %${l.exhausted ? ', exhausted' : ''} (${l.action})`,
    );
  }
  const blocked = (await call('GET', `${org}/entitlement?agent_id=${BLOCKED_AGENT}&model=claude-haiku-4`, as)).body;
  const free = (await call('GET', `${org}/entitlement?agent_id=${OTHER_AGENT}&model=claude-opus-4`, as)).body;
  say(
    `entitlement before a run of ${BLOCKED_AGENT}: allowed=${blocked.allowed}${blocked.blocked_by.length ? `, blocked_by=[${blocked.blocked_by.join(', ')}]` : ''}`,
  );
  say(`entitlement before a run of ${OTHER_AGENT}: allowed=${free.allowed}`);

  // 7 ─ lifecycle
  step('Upgrade to Pro, schedule a downgrade back, switch to EUR next period');
  const upgraded = await call('PATCH', `${org}/subscription`, {
    ...as,
    headers: { 'idempotency-key': `demo-upgrade-${orgId}` },
    body: { plan_id: 'pro' },
  });
  say(
    `now ${upgraded.body.plan_name}, billing model ${upgraded.body.billing_model}; proration lines for the next invoice:`,
  );
  for (const a of upgraded.body.adjustments as Json[]) {
    say(
      `  ${a.kind.padEnd(18)} ${money(a.amount_minor, a.currency).padStart(10)}  ${a.description} (${Number(a.fraction).toFixed(4)} × ${money(a.full_amount_minor, a.currency)})`,
    );
  }
  await call('PATCH', `${org}/subscription`, { ...as, body: { plan_id: 'team' } });
  const eur = await call('POST', `${org}/subscription/currency`, { ...as, body: { currency: 'EUR' } });
  say(`pending changes (${eur.body.pending_changes.length}):`);
  for (const p of eur.body.pending_changes as Json[]) {
    say(
      `  ${p.type.padEnd(16)} at ${p.effective_at.slice(0, 10)}  ${p.type === 'downgrade' ? `→ ${p.plan_id} (${p.billing_model})` : p.currency ? `→ ${p.currency}` : ''}`,
    );
  }
  const afterLifecycle = (await call('GET', `${org}/subscription`, as)).body;
  say('history:');
  for (const h of afterLifecycle.history as Json[]) {
    const terms = (t: Json) => (t ? `${t.plan_id}/${t.billing_model}/${t.currency}` : '—');
    const later = h.effective_at.slice(0, 19) !== h.at.slice(0, 19);
    say(
      `  ${h.at.slice(11, 19)}Z ${h.type.padEnd(26)} ${terms(h.from)} → ${terms(h.to)}${later ? ` (effective ${h.effective_at.slice(0, 10)})` : ''}`,
    );
  }
  const pending = afterLifecycle.pending_adjustments as Json[];
  say(
    `pending adjustments for the next invoice: ${pending.map((a) => `${a.kind} ${money(a.amount_minor, a.currency)}`).join(', ')} → net ${money(
      pending.reduce((t, a) => t + a.amount_minor, 0),
      afterLifecycle.currency,
    )}`,
  );
  // More traffic after the upgrade: priced under Pro, while what was counted before stays under Team.
  const proBurst = 300;
  const afterUpgrade = agentTraffic(orgId, proBurst, Date.parse(upgraded.body.updated_at) + 1, await productNow(), 'p');
  await publishUsage({ sqs, queueUrl: endpoints.usageQueueUrl }, afterUpgrade);
  const rerated = await until(
    `events_counted to reach ${afterResend.events_counted + proBurst}`,
    async () => {
      const now = (await call('GET', `${org}/usage/summary`, as)).body;
      return now.events_counted >= afterResend.events_counted + proBurst ? now : undefined;
    },
    60_000,
    250,
  );
  say(
    `${proBurst} more events after the upgrade → usage summary: ${money(rerated.total.amount_minor, rerated.currency)}, each stretch under its own terms (docs/usage.md):`,
  );
  for (const t of rerated.stretches as Json[]) {
    say(
      `  from ${t.from.slice(0, 19)}Z ${`${t.plan.id}/${t.plan.billing_model}`.padEnd(14)} ${money(t.amount_minor, t.currency)}`,
    );
  }

  // 8 ─ a dispute
  step('A cardholder disputes a charge: new spend freezes, then the dispute is won');
  const intent = await stripe.paymentIntents.create({
    amount: 4_900,
    currency: 'usd',
    customer: customerId,
    payment_method: 'pm_card_createDispute',
    confirm: true,
    off_session: true,
  });
  const dispute = await until('the sandbox to open the dispute', async () => {
    const list = await stripe.disputes.list({ limit: 100 });
    return list.data.find((d) => d.charge === intent.latest_charge);
  });
  say(
    `charged ${money(intent.amount, intent.currency)} with pm_card_createDispute (${intent.status}) → dispute ${dispute.id} (${dispute.reason}, ${dispute.status})`,
  );
  const frozen = await until('the dispute to freeze the org', async () => {
    const st = (await call('GET', `${org}/billing-status`, as)).body;
    return st.freeze_reasons.includes(`dispute:${dispute.id}`) ? st : undefined;
  });
  say(
    `billing-status: freeze_reasons=[${frozen.freeze_reasons.join(', ')}], new_spend_allowed=${frozen.new_spend_allowed}`,
  );
  const refused = await call('PATCH', `${org}/subscription`, {
    ...as,
    body: { billing_model: 'flat' },
    expect: [409],
  });
  say(
    `purchase while frozen (Pro metered → flat fee): ${refused.status} ${refused.body.error.code} — ${refused.body.error.message}`,
  );
  const closed = await fetch(`${endpoints.stripeSandboxUrl}/_sandbox/disputes/${dispute.id}/close`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ outcome: 'won' }),
  });
  if (!closed.ok)
    throw new DemoError(`the sandbox refused to close ${dispute.id}: ${closed.status} ${await closed.text()}`);
  const unfrozen = await until('the won dispute to unfreeze the org', async () => {
    const st = (await call('GET', `${org}/billing-status`, as)).body;
    return st.freeze_reasons.length === 0 ? st : undefined;
  });
  say(
    `dispute closed as won in the sandbox → freeze_reasons=[], new_spend_allowed=${unfrozen.new_spend_allowed}, dispute ${unfrozen.disputes[0]?.status}`,
  );

  // 9 ─ notices
  step('Notices to the billing contacts');
  const listNotices = async () => (await call('GET', `${org}/notifications?limit=50`, as)).body.data as Json[];
  let notices = await listNotices();
  const waitStarted = Date.now();
  if (!flags['no-wait'] && notices.some((n) => !n.delivered_at)) {
    say(
      `${notices.length} notices in the outbox; deliverNotices runs every minute — waiting up to 70 s (skip with --no-wait)…`,
    );
    notices = await until(
      'deliverNotices to send every notice',
      async () => {
        const list = await listNotices();
        return list.every((n) => n.delivered_at) ? list : undefined;
      },
      70_000,
      1_000,
    ).catch(async (error: Error) => {
      say(`(${error.message}; showing them as they are)`);
      return listNotices();
    });
  }
  const noticeWaitMs = Date.now() - waitStarted;
  for (const n of notices) {
    const sent = (n.recipients as Json[]).map((r) => `${r.email.split('@')[0]}:${r.status}`).join(', ');
    say(
      `${n.kind.padEnd(7)} ${n.subject}  [${n.delivered_at ? `delivered ${n.delivered_at.slice(11, 19)}Z` : 'pending'}${sent ? `; ${sent}` : ''}]`,
    );
  }
  const files = notices.flatMap((n) => {
    const dir = join(notificationsDir, n.id);
    return existsSync(dir) ? readdirSync(dir).map((f) => join(dir, f)) : [];
  });
  const rel = (p: string) => (relative(process.cwd(), p).startsWith('..') ? p : relative(process.cwd(), p));
  if (files.length > 0) {
    say(`${files.length} message files under ${rel(notificationsDir)}, e.g. ${rel(files[0]!)}:`);
    for (const line of readFileSync(files[0]!, 'utf8').trim().split('\n').slice(0, 6)) say(`  | ${line}`);
  } else {
    say(`no message files yet: they appear under ${rel(notificationsDir)}/<notice id>/ within a minute`);
  }

  // 10 ─ invoices
  step('Billing settings, the upcoming invoice, and the period invoice once the month closes, paid through Stripe');
  await call('PUT', `${org}/billing-settings`, {
    ...as,
    body: {
      legal_name: 'Acme Agents Inc.',
      address: { line1: '500 Market St', city: 'San Francisco', state: 'CA', postal_code: '94105', country: 'US' },
      tax_ids: [{ type: 'us_ein', value: '12-3456789' }],
      memo: 'PO 2026-117',
    },
  });
  const upcoming = (await call('GET', `${org}/invoices/upcoming`, as)).body;
  const printInvoice = (inv: Json) => {
    for (const l of inv.lines as Json[]) {
      say(`  ${l.kind.padEnd(18)} ${money(l.amount_minor, inv.currency).padStart(10)}  ${l.description}`);
    }
    say(
      `  subtotal ${money(inv.subtotal_minor, inv.currency)}, credits ${money(inv.credits_applied_minor, inv.currency)}, total ${money(inv.total_minor, inv.currency)}, due ${money(inv.amount_due_minor, inv.currency)}`,
    );
  };
  say(
    `upcoming invoice for ${upcoming.period.start.slice(0, 7)} (${upcoming.status}, ${upcoming.lines.length} lines):`,
  );
  printInvoice(upcoming);
  const clock = await health();
  const periodEnd = Date.parse(upcoming.period.end);
  let periodInvoice: Json | undefined;
  if (clock.speed >= 10 && periodEnd - Date.parse(clock.now) < 60 * 60_000) {
    say(`the product clock runs ×${clock.speed} and the month ends at ${upcoming.period.end}: waiting for the close…`);
    periodInvoice = await until(
      'the period invoice',
      async () => {
        const list = (await call('GET', `${org}/invoices`, as)).body.data as Json[];
        return list.find((i) => i.kind === 'period' && i.period.start === upcoming.period.start);
      },
      180_000,
      1_000,
    );
    const issued = (await call('GET', `${org}/invoices/${periodInvoice.id}`, as)).body;
    say(
      `invoice ${issued.number} issued ${issued.issued_at}, bill to ${issued.bill_to.legal_name} (${issued.bill_to.memo}):`,
    );
    printInvoice(issued);
    // The collection schedule (every product minute) mirrors it to Stripe and charges the saved card.
    const paid = await until(
      `invoice ${issued.number} to be charged`,
      async () => {
        const now = (await call('GET', `${org}/invoices/${issued.id}`, as)).body;
        return now.status === 'paid' ? now : undefined;
      },
      60_000,
      500,
    );
    periodInvoice = paid;
    const attempt = (paid.payment_attempts as Json[]).at(-1);
    say(
      `charged at Stripe (${paid.stripe_invoice_id}) with ${attempt?.payment_method_id ?? 'the default card'}: ${paid.status} ${paid.paid_at}, ${money(paid.amount_paid_minor, paid.currency)}`,
    );
    say(`Stripe's hosted invoice page: ${paid.hosted_invoice_url}`);
    const drift = (await call('GET', `${org}/reconciliation`, as)).body;
    say(
      drift.checked_at
        ? `drift report of ${drift.checked_at}: ${drift.in_sync ? 'the ledger and Stripe agree' : `${drift.differences.length} differences`}`
        : 'ledger ↔ Stripe drift report: run `npm run reconcile` (the daily reconcileLedger schedule, now)',
    );
    const pdf = await fetch(`${API}${org}/invoices/${issued.id}`, {
      headers: { authorization: `Bearer ${owner}`, accept: 'application/pdf' },
    });
    const pdfFile = join(dataDir, 'invoices', `${issued.number}.pdf`);
    mkdirSync(dirname(pdfFile), { recursive: true });
    writeFileSync(pdfFile, Buffer.from(await pdf.arrayBuffer()));
    say(`PDF (${pdf.headers.get('content-type')}): ${pdfFile}`);
  } else {
    say(
      `to watch this period close, restart with the clock near a month end, e.g.: npm start -- --fresh --clock-start ${new Date(periodEnd - 30 * 60_000).toISOString()} --speed 60 --late-grace 5m`,
    );
  }

  // 11 ─ audit and summary
  step('Audit trail (latest first)');
  const audit = (await call('GET', `${org}/audit?limit=12`, as)).body.data as Json[];
  for (const a of audit) {
    say(
      `${a.at.slice(11, 19)}Z ${a.action.padEnd(40)} ${a.actor.type}:${a.actor.id}${a.actor.role ? ` (${a.actor.role})` : ''}`,
    );
  }

  const finalSub = (await call('GET', `${org}/subscription`, as)).body;
  const rows: [string, string][] = [
    ['org', orgId],
    ['card', `${card.brand} •••• ${card.last4} (default)`],
    ['plan now', `${finalSub.plan_name}, billing model ${finalSub.billing_model}, ${finalSub.currency}`],
    [
      'pending',
      (finalSub.pending_changes as Json[])
        .map((p) => `${p.type}${p.plan_id ? ` → ${p.plan_id}` : ''}${p.currency ? ` → ${p.currency}` : ''}`)
        .join('; '),
    ],
    [
      'events sent / counted',
      `${num(eventCount + resend.length + proBurst)} / ${num(rerated.events_counted)} (${resend.length} duplicates ignored)`,
    ],
    [
      'usage this period',
      `${money(rerated.total.amount_minor, rerated.currency)} = ${(rerated.stretches as Json[])
        .map((t) => `${money(t.amount_minor, t.currency)} on ${t.plan.id}`)
        .join(' + ')}`,
    ],
    ...limits
      .filter((l) => l.kind === 'budget')
      .map((l): [string, string] => [
        `budget ${l.id}`,
        `${l.percent_used} % used on Team, before the upgrade${l.exhausted ? ', exhausted' : ''} (${l.action})`,
      ]),
    ['entitlement', `${BLOCKED_AGENT} allowed=${blocked.allowed}; ${OTHER_AGENT} allowed=${free.allowed}`],
    ['dispute', `${dispute.id}: frozen → 409 billing_frozen → won → unfrozen`],
    [
      'invoices',
      periodInvoice
        ? `${periodInvoice.number}: ${money(periodInvoice.total_minor, periodInvoice.currency)} for ${upcoming.period.start.slice(0, 7)}, ${periodInvoice.status} through Stripe`
        : `upcoming ${money(upcoming.total_minor, upcoming.currency)} (the period has not closed yet)`,
    ],
    ['notices', `${notices.length} (${notices.filter((n) => n.delivered_at).length} delivered), ${files.length} files`],
    [
      'run time',
      `${elapsed()}${noticeWaitMs > 0 ? ` (of which ${(noticeWaitMs / 1000).toFixed(1)} s waiting for deliverNotices)` : ''}`,
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  out(`\n━━ Summary`);
  for (const [k, v] of rows) out(`   ${k.padEnd(width)}  ${v}`);
  // The same customer in the billing console (npm start serves it; the owner token lasts an hour).
  out(`\nSee it in the billing console: ${API}/console/#token=${owner}`);
  sqs.destroy();
}

main().catch((error: Error) => {
  const message = error instanceof DemoError ? error.message : (error.stack ?? String(error));
  process.stderr.write(`\ndemo failed (${elapsed()}): ${message}\n`);
  process.exit(1);
});
