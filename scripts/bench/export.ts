/**
 * `npm run bench:export` (`-- --small` for a quick run): the billing export of one org with three years
 * of history, on DynamoDB Local and fauxqs's S3 (both started here on free ports). Prints a table and
 * writes bench-results/export.json.
 *
 *  1. Seeds one org: provisioned and subscribed 36 billing periods ago (Team, then Pro from the second
 *     year) through the real use cases; usage every day of every period through the usage consumer's
 *     use case (the aggregates are the usage store's own counters); then, directly through the keys
 *     module with BatchWriteItem, 10,000 invoices (a period invoice a month and threshold invoices, each
 *     with its lines and collection: the Stripe link and payment attempts, some failed then retried) and
 *     100,000 audit entries, in the item shapes the stores write.
 *  2. Requests the export (`requestExport`, as `POST …/exports` does) and takes its message off the
 *     exports queue.
 *  3. Builds it with the exports queue consumer bundled exactly as the stack bundles it, run with plain
 *     node in a child process of its own (scripts/bench/export-lambda.ts), so the seeding's memory does
 *     not count: build seconds, document MB (JSON and gzip), MB/s, and the build process's peak RSS.
 *
 * Targets (issue 13): peak memory ≤ 256 MB, time well inside Lambda's 15 minutes. Benchmarks are
 * measurements, not tests: nothing here tunes or asserts a target; the table says how far from it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import Decimal from 'decimal.js';
import { build } from 'esbuild';
import { monotonicFactory } from 'ulid';
import { requestExport } from '../../functions/export/app/request-export';
import { DynamoInvoiceStore } from '../../functions/invoicing/adapters/invoice-store';
import {
  INVOICE_SCHEMA_VERSION,
  type Invoice,
  type InvoiceLine,
  type PaymentAttempt,
} from '../../functions/invoicing/domain/invoice';
import { periodInvoiceId, thresholdInvoiceId } from '../../functions/invoicing/domain/plan';
import type { AuditEntry } from '../../functions/kernel/audit';
import { fixedClock } from '../../functions/kernel/clock';
import { loadConfig } from '../../functions/kernel/config';
import { item } from '../../functions/kernel/dynamo/items';
import { keys } from '../../functions/kernel/dynamo/keys';
import { DAY_MS, nextPeriod, type Period, periodOf } from '../../functions/kernel/period';
import type { Meter } from '../../functions/kernel/pricing/plans';
import { provisionOrg } from '../../functions/orgs/app/provision-org';
import { QUEUES } from '../../functions/queues';
import { changeSubscription } from '../../functions/subscriptions/app/change-subscription';
import { createSubscription } from '../../functions/subscriptions/app/create-subscription';
import { ingestUsage } from '../../functions/usage/app/ingest-usage';
import { BUNDLING } from '../../lib/billing-function';
import { buildDeps, type Deps } from '../local/all-deps';
import { ensureTable } from '../local/create-table';
import { localDynamoClient, startDynamoDbLocal } from '../local/dynamodb-local';
import { toRecord } from '../local/poller';
import { freePort, Supervisor } from '../local/processes';
import { ensureBucket, localS3Client } from '../local/s3';
import { createQueues, localSqsClient, startSqs } from '../local/sqs';
import { progress } from './progress';

const ROOT = resolve(__dirname, '../..');
const SMALL = process.argv.includes('--small');
const PERIODS = 36;
const INVOICES = Number(process.env.BENCH_EXPORT_INVOICES ?? (SMALL ? 1_000 : 10_000));
const AUDIT_ENTRIES = Number(process.env.BENCH_EXPORT_AUDIT ?? (SMALL ? 10_000 : 100_000));
const TABLE = 'billing-bench-export';
const BUCKET = 'billing-bench-exports';
const CONCURRENCY = 8;
/** BatchWriteItem takes at most 25 items. */
const BATCH = 25;
const TARGET_PEAK_MB = 256;
const LAMBDA_TIMEOUT_S = 15 * 60;
const MB = 1024 * 1024;
const ctx = { actor: { type: 'system' as const, id: 'bench' } };

const MODELS = ['claude-sonnet-4', 'claude-haiku-4', 'claude-opus-4'] as const;
/** Unit prices in minor units per unit (decimal strings, as plans carry them). */
const PRICES: Readonly<Record<string, string>> = {
  llm_input_tokens: '0.0003',
  llm_output_tokens: '0.0015',
  tool_invocations: '0.08',
  agent_runs: '0.5',
};

async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>, label: string, weight = 1) {
  const bar = progress(label, items.length * weight);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) {
        await work(items[next++]!);
        bar.tick(weight);
      }
    }),
  );
  bar.done();
}

/** BatchWriteItem, 25 puts a call, with the unprocessed items sent again (AWS throttles; Local does not). */
async function batchWrite(deps: Deps, items: readonly object[], label: string) {
  const chunks = Array.from({ length: Math.ceil(items.length / BATCH) }, (_, i) =>
    items.slice(i * BATCH, i * BATCH + BATCH),
  );
  await inParallel(
    chunks,
    async (chunk) => {
      let requests = chunk.map((Item) => ({ PutRequest: { Item: Item as Record<string, unknown> } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
        const out = await deps.db.send(new BatchWriteCommand({ RequestItems: { [TABLE]: requests } }));
        requests = (out.UnprocessedItems?.[TABLE] ?? []) as typeof requests;
      }
    },
    label,
    BATCH,
  );
}

/** One usage line: quantity × unit price, rounded once, half away from zero (Decimal's ROUND_HALF_UP). */
function usageLine(
  invoiceId: string,
  position: number,
  period: Period,
  meter: Meter,
  quantity: number,
  model?: string,
) {
  const precise = new Decimal(PRICES[meter]!).times(quantity);
  const line: InvoiceLine = {
    id: `${invoiceId}_${String(position).padStart(3, '0')}`,
    kind: 'usage',
    description: `${model ? `${model} ` : ''}${meter.replaceAll('_', ' ')}`,
    meter,
    ...(model ? { model } : {}),
    periodKey: period.key,
    quantity,
    billableQuantity: quantity,
    unitAmountDecimal: PRICES[meter]!,
    preciseAmount: precise.toFixed(),
    amountMinor: precise.toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber(),
  };
  return line;
}

/**
 * The org's invoices: one period invoice at the end of each closed period (the plan's fee and the
 * period's usage) and threshold invoices spread over the periods, each paid by card through Stripe; one
 * in 25 declined first (insufficient funds) and paid by the retry a day later.
 */
function invoicesOf(orgId: string, periods: readonly Period[], until: Date, count: number): Invoice[] {
  const closed = periods.filter((p) => p.end.getTime() <= until.getTime());
  const thresholdCount = count - closed.length;
  const span = until.getTime() - periods[0]!.start.getTime();
  const out: Invoice[] = [];
  const perPeriod = new Map<string, number>();
  const make = (kind: 'period' | 'threshold', period: Period, at: Date, n: number): Invoice => {
    const id = kind === 'period' ? periodInvoiceId(orgId, period, 'period') : thresholdInvoiceId(orgId, period, n, at);
    const scale = kind === 'period' ? 40 : 1;
    const lines: InvoiceLine[] = [];
    if (kind === 'period') {
      const fee = period.key < periods[12]!.key ? 4_900 : 19_900;
      lines.push({
        id: `${id}_001`,
        kind: 'flat_fee',
        description: `${fee === 4_900 ? 'Team' : 'Pro'} (${nextPeriod(period).key})`,
        periodKey: nextPeriod(period).key,
        planId: fee === 4_900 ? 'team' : 'pro',
        quantity: 1,
        unitAmountDecimal: String(fee),
        preciseAmount: String(fee),
        amountMinor: fee,
      });
    }
    for (const [m, model] of MODELS.entries()) {
      lines.push(usageLine(id, lines.length + 1, period, 'llm_input_tokens', scale * (120_000 + 1_000 * m + n), model));
      lines.push(usageLine(id, lines.length + 1, period, 'llm_output_tokens', scale * (18_000 + 100 * m + n), model));
    }
    lines.push(usageLine(id, lines.length + 1, period, 'tool_invocations', scale * (40 + (n % 7))));
    lines.push(usageLine(id, lines.length + 1, period, 'agent_runs', scale * (12 + (n % 5))));
    const total = lines.reduce((s, l) => s + l.amountMinor, 0);
    const issued = at.toISOString();
    const declined = n % 25 === 0;
    const paidAt = new Date(at.getTime() + (declined ? DAY_MS : 2_000)).toISOString();
    const attempts: PaymentAttempt[] = [
      ...(declined
        ? [
            {
              id: `ch_${id.slice(3, 19)}f`,
              at: new Date(at.getTime() + 2_000).toISOString(),
              outcome: 'failed' as const,
              amountMinor: total,
              declineCode: 'insufficient_funds',
              paymentMethodId: `pm_${orgId}`,
            },
          ]
        : []),
      {
        id: `ch_${id.slice(3, 19)}s`,
        at: paidAt,
        outcome: 'succeeded',
        amountMinor: total,
        declineCode: null,
        paymentMethodId: `pm_${orgId}`,
      },
    ];
    return {
      id,
      orgId,
      number: null,
      kind,
      status: 'paid',
      currency: 'USD',
      period: { key: period.key, start: period.start.toISOString(), end: period.end.toISOString() },
      billTo: {
        orgId,
        name: 'Export Bench Co',
        legalName: 'Export Bench Co Ltd',
        address: { line1: '1 Long History Road', city: 'London', postalCode: 'EC1A 1AA', country: 'GB' },
        taxIds: [{ type: 'gb_vat', value: 'GB123456789' }],
        memo: 'PO 4711',
      },
      lines,
      subtotalMinor: total,
      creditsAppliedMinor: 0,
      totalMinor: total,
      amountDueMinor: total,
      creditCarriedMinor: 0,
      createdAt: issued,
      issuedAt: issued,
      dueAt: issued,
      adjustmentIds: [],
      collectionMethod: 'charge_automatically',
      daysUntilDue: null,
      collection: {
        stripe: {
          invoiceId: `in_1${id.slice(3, 26)}`,
          status: 'paid',
          hostedInvoiceUrl: `https://invoice.stripe.com/i/acct_bench/test_${id.slice(3)}`,
          invoicePdf: `https://pay.stripe.com/invoice/acct_bench/test_${id.slice(3)}/pdf`,
          amountPaidMinor: total,
          observedAt: paidAt,
        },
        attempts,
        retries: declined ? 1 : 0,
        firstFailedAt: declined ? attempts[0]!.at : null,
        paidAt,
        dunningStartedAt: declined ? attempts[0]!.at : null,
      },
      schemaVersion: INVOICE_SCHEMA_VERSION,
    };
  };
  for (let i = 0; i < thresholdCount; i++) {
    const at = new Date(
      periods[0]!.start.getTime() + DAY_MS + Math.floor(((i + 0.5) * (span - DAY_MS)) / thresholdCount),
    );
    const period = periodOf(at);
    const n = (perPeriod.get(period.key) ?? 0) + 1;
    perPeriod.set(period.key, n);
    out.push(make('threshold', period, at, n));
  }
  for (const period of closed) out.push(make('period', period, new Date(period.end.getTime() + 90 * 60_000), 0));
  // Numbered in issue order, as finalization numbers them.
  return out
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1))
    .map((inv, i) => ({ ...inv, number: `EXPC-${String(i + 1).padStart(5, '0')}` }));
}

/**
 * The audit trail: per invoice its issue, the charge and the payment as collection audits them, the
 * rest spread over the three years (payment methods synced, budgets and billing settings replaced,
 * contacts added), each with before/after of the size the real ones have.
 */
function auditOf(orgId: string, invoices: readonly Invoice[], from: Date, until: Date): AuditEntry[] {
  const ulidAt = monotonicFactory();
  const out: AuditEntry[] = [];
  const system = { type: 'system' as const, id: 'collection' };
  const admin = { type: 'user' as const, id: 'user_finance_admin', role: 'billing_admin' };
  const entry = (at: Date, e: Omit<AuditEntry, 'id' | 'orgId' | 'at'>): AuditEntry => ({
    id: ulidAt(at.getTime()),
    orgId,
    at: at.toISOString(),
    requestId: `req_${out.length}`,
    ...e,
  });
  const perInvoice = Math.min(3, Math.floor(AUDIT_ENTRIES / Math.max(invoices.length, 1)));
  const timed: { at: Date; make: (at: Date) => AuditEntry }[] = [];
  for (const inv of invoices) {
    const at = new Date(inv.createdAt);
    const stripe = inv.collection!.stripe!;
    const steps: { at: Date; make: (at: Date) => AuditEntry }[] = [
      {
        at,
        make: (t) =>
          entry(t, {
            actor: system,
            action: 'invoice.issued',
            target: { type: 'invoice', id: inv.id },
            before: null,
            after: {
              number: inv.number,
              kind: inv.kind,
              period: inv.period.key,
              currency: inv.currency,
              totalMinor: inv.totalMinor,
              lines: inv.lines.length,
            },
          }),
      },
      {
        at: new Date(at.getTime() + 1_000),
        make: (t) =>
          entry(t, {
            actor: system,
            action: 'invoice.collection_synced',
            target: { type: 'invoice', id: inv.id },
            before: { status: 'open', stripe: null, attempts: 0 },
            after: { status: 'open', stripe: { ...stripe, status: 'open', amountPaidMinor: 0 }, attempts: 0 },
          }),
      },
      {
        at: new Date(inv.collection!.paidAt!),
        make: (t) =>
          entry(t, {
            actor: system,
            action: 'invoice.paid',
            target: { type: 'invoice', id: inv.id },
            before: { status: 'open', stripe: { ...stripe, status: 'open', amountPaidMinor: 0 }, attempts: 0 },
            after: {
              status: 'paid',
              stripe,
              attempts: inv.collection!.attempts.length,
              newAttempts: inv.collection!.attempts,
            },
          }),
      },
    ];
    timed.push(...steps.slice(0, perInvoice));
  }
  const rest = AUDIT_ENTRIES - timed.length;
  const span = until.getTime() - from.getTime();
  const card = (n: number) => ({
    id: `pm_card_${n % 4}`,
    orgId,
    type: 'card',
    brand: 'visa',
    last4: String(4242 + (n % 4)),
    expMonth: 12,
    expYear: 2030,
    isDefault: true,
    createdAt: from.toISOString(),
    updatedAt: from.toISOString(),
  });
  for (let i = 0; i < rest; i++) {
    const at = new Date(from.getTime() + Math.floor(((i + 0.5) * span) / rest));
    const kind = i % 4;
    timed.push({
      at,
      make: (t) =>
        kind === 0
          ? entry(t, {
              actor: { type: 'system', id: 'stripe_webhook' },
              action: 'payment_methods.synced',
              target: { type: 'stripe_customer', id: `cus_${orgId}` },
              before: [card(i)],
              after: { upserted: [card(i + 1)], removed: [card(i).id], event: 'customer.updated' },
            })
          : kind === 1
            ? entry(t, {
                actor: admin,
                action: 'budgets.replaced',
                target: { type: 'budgets', id: orgId },
                before: { budgets: [{ scope: { kind: 'org' }, amountMinor: 200_000 + i, thresholds: [50, 80, 100] }] },
                after: {
                  budgets: [{ scope: { kind: 'org' }, amountMinor: 200_000 + i + 1, thresholds: [50, 80, 100] }],
                },
              })
            : kind === 2
              ? entry(t, {
                  actor: admin,
                  action: 'billing_settings.replaced',
                  target: { type: 'billing_settings', id: orgId },
                  before: { legalName: 'Export Bench Co Ltd', memo: `PO ${4700 + i}`, invoiceThresholdMinor: 50_000 },
                  after: { legalName: 'Export Bench Co Ltd', memo: `PO ${4701 + i}`, invoiceThresholdMinor: 50_000 },
                })
              : entry(t, {
                  actor: admin,
                  action: 'contact.added',
                  target: { type: 'contact', id: `ct_${i}` },
                  before: null,
                  after: { name: `Finance ${i}`, email: `finance+${i}@bench.example`, noticeKinds: ['invoice'] },
                }),
    });
  }
  timed.sort((a, b) => a.at.getTime() - b.at.getTime());
  for (const t of timed) out.push(t.make(t.at));
  return out;
}

/** Usage on every day of every period, through the consumer's use case, a third of a period per batch. */
async function seedUsage(
  deps: Deps,
  clock: ReturnType<typeof fixedClock>,
  orgId: string,
  periods: Period[],
  until: Date,
) {
  const days: Date[] = [];
  for (let t = periods[0]!.start.getTime() + DAY_MS; t < until.getTime(); t += DAY_MS) days.push(new Date(t));
  const batches: Date[][] = [];
  for (const day of days) {
    const last = batches[batches.length - 1];
    if (last && periodOf(last[0]!).key === periodOf(day).key && last.length < 10) last.push(day);
    else batches.push([day]);
  }
  let events = 0;
  const bar = progress('usage every day (ingestUsage)', days.length);
  for (const batch of batches) {
    const body = batch.flatMap((day, d) => {
      const base = day.getTime() + 9 * 3_600_000;
      const common = (i: number) => ({
        org_id: orgId,
        timestamp: new Date(base + i * 60_000).toISOString(),
        agent_id: `agent_${(d + i) % 5}`,
        connection_id: `conn_${(d + i) % 3}`,
        run_id: `run_${day.toISOString().slice(0, 10)}_${i}`,
      });
      const key = day.toISOString().slice(0, 10);
      return [
        ...MODELS.map((model, i) => ({
          ...common(i),
          id: `${key}:llm:${i}`,
          type: 'llm_tokens',
          model,
          input_tokens: 4_000_000 + d,
          output_tokens: 600_000 + d,
        })),
        { ...common(3), id: `${key}:tool`, type: 'tool_invocation', tool: 'web_search', count: 1_200 },
        { ...common(4), id: `${key}:run`, type: 'agent_run', count: 400 },
      ];
    });
    clock.set(new Date(batch[batch.length - 1]!.getTime() + 12 * 3_600_000));
    const result = await ingestUsage(deps, [
      { messageId: `usage-${batch[0]!.toISOString()}`, body: JSON.stringify(body), sentAt: clock.now() },
    ]);
    if (result.failedMessageIds.length > 0 || result.rejected > 0 || result.counted !== body.length) {
      throw new Error(`usage batch not counted: ${JSON.stringify(result)}`);
    }
    events += body.length;
    bar.tick(batch.length);
  }
  bar.done();
  return events;
}

/** The consumer bundled as NodejsFunction bundles it, inside the repository so the SDK resolves from node_modules. */
async function bundleConsumer(): Promise<string> {
  const outfile = join(ROOT, '.cache/bench-export/export-lambda.js');
  await build({
    entryPoints: [join(__dirname, 'export-lambda.ts')],
    bundle: true,
    platform: 'node',
    minify: BUNDLING.minify,
    format: BUNDLING.format,
    target: BUNDLING.target,
    external: [...BUNDLING.externalModules],
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

interface BuildReport {
  batchItemFailures: unknown[];
  seconds: number;
  maxRssMb: number;
  baselineRssMb: number;
  sampledPeakRssMb: number;
  sampledPeakAtSeconds: number;
  peakHeapUsedMb: number;
  peakExternalMb: number;
  node: string;
}

/** Runs the bundled consumer on the record in a fresh node process; its stderr (progress) passes through. */
function runConsumer(bundle: string, record: unknown, env: NodeJS.ProcessEnv): Promise<BuildReport> {
  return new Promise((resolveReport, reject) => {
    const child = spawn(process.execPath, [bundle], {
      env: { ...env, BENCH_EXPORT_RECORD: JSON.stringify(record) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || !line) reject(new Error(`the export build exited with ${code}: ${stdout}`));
      else resolveReport(JSON.parse(line) as BuildReport);
    });
  });
}

async function main() {
  const supervisor = new Supervisor();
  supervisor.installSignalHandlers();
  try {
    await run(supervisor);
  } finally {
    await supervisor.stop();
  }
}

async function run(supervisor: Supervisor) {
  const started = Date.now();
  const [dynamo, sqsLocal] = await Promise.all([
    freePort().then((port) => startDynamoDbLocal({ port, supervisor })),
    startSqs({ port: 0, supervisor }),
  ]);
  const sqs = localSqsClient(sqsLocal.endpoint);
  const queues = await createQueues(
    sqs,
    QUEUES.filter((q) => q.id === 'exports'),
  );
  const env = {
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    SQS_ENDPOINT: sqsLocal.endpoint,
    S3_ENDPOINT: sqsLocal.endpoint,
    EXPORTS_BUCKET: BUCKET,
    EXPORTS_QUEUE_URL: queues.exports.url,
    TABLE_NAME: TABLE,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  Object.assign(process.env, env);
  await Promise.all([
    ensureTable(localDynamoClient(dynamo.endpoint), TABLE),
    ensureBucket(localS3Client(sqsLocal.endpoint), BUCKET),
  ]);

  // 1. Three years of one org. History runs from 36 periods ago to an hour ago (the build runs now).
  const until = new Date(Date.now() - 3_600_000);
  let first = periodOf(until);
  for (let i = 1; i < PERIODS; i++) first = periodOf(new Date(first.start.getTime() - 1));
  const periods: Period[] = [];
  for (let p = first; p.start.getTime() <= until.getTime(); p = nextPeriod(p)) periods.push(p);
  const orgId = `org_export_bench_${Date.now().toString(36)}`;
  const clock = fixedClock(new Date(first.start.getTime() + 3_600_000).toISOString());
  const deps = buildDeps(loadConfig(), clock);
  const seedStarted = Date.now();
  const setup = progress('org, card, Team, then Pro (use cases)', 3);
  await provisionOrg(deps, ctx, { orgId, name: 'Export Bench Co', defaultCurrency: 'USD' });
  await deps.db.send(
    new BatchWriteCommand({
      RequestItems: {
        [TABLE]: [
          {
            PutRequest: {
              Item: item('payment_method', keys.paymentMethod(orgId, `pm_${orgId}`), {
                id: `pm_${orgId}`,
                orgId,
                type: 'card',
                brand: 'visa',
                last4: '4242',
                expMonth: 12,
                expYear: 2030,
                isDefault: true,
                createdAt: clock.now().toISOString(),
                updatedAt: clock.now().toISOString(),
              }),
            },
          },
        ],
      },
    }),
  );
  setup.tick();
  clock.set(new Date(first.start.getTime() + DAY_MS).toISOString());
  await createSubscription(deps, ctx, { orgId, planId: 'team', currency: 'USD', billingModel: 'flat' });
  setup.tick();
  clock.set(new Date(periods[12]!.start.getTime() + DAY_MS / 2).toISOString());
  await changeSubscription(deps, ctx, { orgId, planId: 'pro', billingModel: 'metered' });
  setup.done();

  const usageEvents = await seedUsage(deps, clock, orgId, periods, until);
  // The usage consumer's threshold checks issued some invoices of their own (Team's and Pro's default
  // thresholds): real ones, kept, and counted in the total.
  let issued = 0;
  for await (const _ of new DynamoInvoiceStore(deps.db, TABLE).all(orgId)) issued += 1;
  const invoices = invoicesOf(orgId, periods, until, INVOICES - issued);
  await batchWrite(
    deps,
    invoices.map((inv) =>
      item('invoice', keys.invoice(orgId, inv.id), inv, keys.invoiceStatusIndex(orgId, inv.status, inv.id)),
    ),
    `${invoices.length} invoices (BatchWriteItem)`,
  );
  const audit = auditOf(orgId, invoices, new Date(first.start.getTime() + DAY_MS), until);
  await batchWrite(
    deps,
    audit.map((e) => item('audit', keys.audit(orgId, e.id), e)),
    `${audit.length} audit entries (BatchWriteItem)`,
  );
  const seedSeconds = (Date.now() - seedStarted) / 1000;

  // 2. The export requested as POST …/exports requests it, and its message taken off the queue.
  clock.set(new Date().toISOString());
  const job = await requestExport(deps, orgId, { actor: { type: 'user', id: 'bench_owner', role: 'owner' } });
  const received = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queues.exports.url,
      MaxNumberOfMessages: 1,
      WaitTimeSeconds: 5,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  const message = received.Messages?.[0];
  if (!message) throw new Error('the export was not enqueued');
  const record = toRecord(message, queues.exports.arn);

  // 3. The build, in the bundled consumer's own process.
  const bundle = await bundleConsumer();
  process.stderr.write('export build: the bundled exports consumer in a child process…\n');
  const report = await runConsumer(bundle, record, { ...process.env, ...env });
  await sqs.send(new DeleteMessageCommand({ QueueUrl: queues.exports.url, ReceiptHandle: message.ReceiptHandle }));
  const built = await deps.exportJobs.get(orgId, job.id);
  if (report.batchItemFailures.length > 0 || built?.status !== 'ready') {
    throw new Error(
      `the export did not build: ${JSON.stringify({ report, status: built?.status, failure: built?.failure })}`,
    );
  }
  const counts = built.sectionCounts!;
  if (
    counts.invoices !== invoices.length + issued ||
    counts.audit_trail < audit.length ||
    counts.usage_periods !== periods.length
  ) {
    throw new Error(`the document does not hold what was seeded: ${JSON.stringify(counts)}`);
  }

  const documentMb = built.sizeBytes! / MB;
  const gzipMb = built.compressedSizeBytes! / MB;
  const results = {
    measured_at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: report.node },
    command: `npm run bench:export${SMALL ? ' -- --small' : ''}`,
    seeded: {
      periods: periods.length,
      invoices: invoices.length + issued,
      invoices_issued_by_usage_thresholds: issued,
      audit_entries: audit.length,
      usage_events: usageEvents,
      seconds: +seedSeconds.toFixed(1),
    },
    build: {
      seconds: +report.seconds.toFixed(2),
      document_mb: +documentMb.toFixed(2),
      gzip_mb: +gzipMb.toFixed(2),
      mb_per_s: +(documentMb / report.seconds).toFixed(2),
      peak_rss_mb: +report.maxRssMb.toFixed(1),
      peak_rss_source: 'process.resourceUsage().maxRSS of the bundled consumer’s own process (module loading included)',
      baseline_rss_mb: +report.baselineRssMb.toFixed(1),
      sampled_peak_rss_mb: +report.sampledPeakRssMb.toFixed(1),
      sampled_peak_at_s: +report.sampledPeakAtSeconds.toFixed(1),
      peak_heap_used_mb: +report.peakHeapUsedMb.toFixed(1),
      peak_external_mb: +report.peakExternalMb.toFixed(1),
      section_counts: counts,
    },
    targets: {
      peak_rss_mb: TARGET_PEAK_MB,
      lambda_timeout_s: LAMBDA_TIMEOUT_S,
      peak_within: report.maxRssMb <= TARGET_PEAK_MB,
      time_used_of_timeout: `${((100 * report.seconds) / LAMBDA_TIMEOUT_S).toFixed(1)} %`,
    },
    total_seconds: +((Date.now() - started) / 1000).toFixed(1),
  };
  const dir = join(ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'export.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(
    `\nbilling export of one org: ${periods.length} periods, ${invoices.length + issued} invoices, ${audit.length} audit entries`,
  );
  console.table([
    {
      'build s': results.build.seconds,
      'document MB': results.build.document_mb,
      'gzip MB': results.build.gzip_mb,
      'MB/s': results.build.mb_per_s,
      'peak RSS MB': results.build.peak_rss_mb,
      'RSS at start MB': results.build.baseline_rss_mb,
      'target MB': TARGET_PEAK_MB,
      'of 15 min': results.targets.time_used_of_timeout,
    },
  ]);
  console.log(`wrote ${join(dir, 'export.json')}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
