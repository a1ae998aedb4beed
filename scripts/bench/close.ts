/**
 * `npm run bench:close`: the period close and the invoice list on DynamoDB Local (started here on a
 * free port). Prints a table and writes bench-results/close.json.
 *
 *  1. N orgs (BENCH_CLOSE_ORGS, 300) with a realistic month: Team bought on the 2nd (a first-period
 *     line), usage over 3 models, 5 agents and 3 connections, an upgrade to Pro on the 15th (proration
 *     lines), more usage, and late events counted during the grace window — then ONE run of the close
 *     schedule after the grace: orgs/s, and the DynamoDB read and write units per org close as
 *     DynamoDB Local reports them (ReturnConsumedCapacity TOTAL on every request);
 *  2. the invoice list of one org holding 10,000 invoices: read units of page 1 and of page 100 (100
 *     invoices a page), which a key-ordered Query keeps equal.
 * Benchmarks are measurements, not tests: nothing here asserts a target.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { closePeriods } from '../../functions/invoicing/app/close-periods';
import { INVOICE_SCHEMA_VERSION, type Invoice } from '../../functions/invoicing/domain/invoice';
import { thresholdInvoiceId } from '../../functions/invoicing/domain/plan';
import { fixedClock } from '../../functions/kernel/clock';
import { loadConfig } from '../../functions/kernel/config';
import { item } from '../../functions/kernel/dynamo/items';
import { keys } from '../../functions/kernel/dynamo/keys';
import { periodByKey } from '../../functions/kernel/period';
import { provisionOrg } from '../../functions/orgs/app/provision-org';
import { changeSubscription } from '../../functions/subscriptions/app/change-subscription';
import { createSubscription } from '../../functions/subscriptions/app/create-subscription';
import { ingestUsage } from '../../functions/usage/app/ingest-usage';
import { buildDeps, type Deps } from '../local/all-deps';
import { ensureTable } from '../local/create-table';
import { localDynamoClient, startDynamoDbLocal } from '../local/dynamodb-local';
import { freePort, Supervisor } from '../local/processes';
import { progress } from './progress';

const TABLE = 'billing-bench-close';
const ORGS = Number(process.env.BENCH_CLOSE_ORGS ?? 300);
const LIST_INVOICES = Number(process.env.BENCH_LIST_INVOICES ?? 10_000);
const CONCURRENCY = 8;
const NOV = periodByKey('2026-11');
const ctx = { actor: { type: 'system' as const, id: 'bench' } };

/** Sums what DynamoDB Local reports as consumed, reads and writes apart, while `on` is set. */
function meter(deps: Deps) {
  const totals = { read: 0, write: 0, requests: 0 };
  let on = false;
  const READS = new Set(['GetCommand', 'BatchGetCommand', 'QueryCommand', 'GetItemCommand', 'QueryCommand']);
  deps.db.middlewareStack.add(
    ((
      next: (a: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>,
      context: { commandName?: string },
    ) =>
      async (args: { input: Record<string, unknown> }) => {
        if (on) args.input.ReturnConsumedCapacity = 'TOTAL';
        const result = await next(args);
        if (on) {
          const consumed = result.output.ConsumedCapacity as
            | { CapacityUnits?: number }
            | { CapacityUnits?: number }[]
            | undefined;
          const units = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []).reduce(
            (s, c) => s + (c.CapacityUnits ?? 0),
            0,
          );
          totals.requests += 1;
          if (READS.has(context.commandName ?? '')) totals.read += units;
          else totals.write += units;
        }
        return result;
      }) as never,
    { step: 'initialize', name: 'benchCapacity' },
  );
  return {
    totals,
    start: () => {
      Object.assign(totals, { read: 0, write: 0, requests: 0 });
      on = true;
    },
    stop: () => {
      on = false;
      return { ...totals };
    },
  };
}

async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, i: number) => Promise<void>,
  label: string,
) {
  const bar = progress(label, items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
        bar.tick();
      }
    }),
  );
  bar.done();
}

/** A month of one org's agents: 5 agents over 3 connections, 3 models, tool calls and runs. */
function traffic(orgId: string, prefix: string, at: Date, runs: number) {
  const models = ['claude-sonnet-4', 'claude-haiku-4', 'claude-opus-4'];
  const out: Record<string, unknown>[] = [];
  for (let r = 0; r < runs; r++) {
    const common = {
      org_id: orgId,
      timestamp: new Date(at.getTime() + r * 1000).toISOString(),
      agent_id: `agent_${r % 5}`,
      connection_id: `conn_${r % 3}`,
    };
    out.push({ ...common, id: `${prefix}:${r}:run`, type: 'agent_run', count: 1 });
    for (let s = 0; s < 3; s++) {
      out.push({
        ...common,
        id: `${prefix}:${r}:llm${s}`,
        type: 'llm_tokens',
        model: models[(r + s) % 3],
        input_tokens: 40_000 + s,
        output_tokens: 4_000 + s,
      });
    }
    out.push({ ...common, id: `${prefix}:${r}:tool`, type: 'tool_invocation', tool: 'web_search', count: 400 });
  }
  return out;
}

async function main() {
  const supervisor = new Supervisor();
  const dynamo = await startDynamoDbLocal({ port: await freePort(), supervisor });
  Object.assign(process.env, {
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    TABLE_NAME: TABLE,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  await ensureTable(localDynamoClient(dynamo.endpoint), TABLE);
  const clock = fixedClock('2026-11-01T00:00:00.000Z');
  const deps = buildDeps(loadConfig(), clock);
  const capacity = meter(deps);

  // 1. A month for N orgs.
  const orgIds = Array.from({ length: ORGS }, (_, i) => `org_close_${i}_${Date.now().toString(36)}`);
  await inParallel(
    orgIds,
    CONCURRENCY,
    async (orgId) => {
      await provisionOrg(deps, ctx, { orgId, name: orgId, defaultCurrency: 'USD' });
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
                    isDefault: true,
                    createdAt: '2026-11-01T00:00:00.000Z',
                    updatedAt: '2026-11-01T00:00:00.000Z',
                  }),
                },
              },
            ],
          },
        }),
      );
    },
    'provision',
  );
  clock.set('2026-11-02T00:00:00.000Z');
  await inParallel(
    orgIds,
    CONCURRENCY,
    async (orgId) => {
      await createSubscription(deps, ctx, { orgId, planId: 'team', currency: 'USD', billingModel: 'flat' });
    },
    'subscribe Team',
  );
  clock.set('2026-11-10T00:00:00.000Z');
  await inParallel(
    orgIds,
    CONCURRENCY,
    async (orgId) => {
      const events = traffic(orgId, 'a', new Date('2026-11-09T00:00:00.000Z'), 20);
      await ingestUsage(deps, [{ messageId: `${orgId}-a`, body: JSON.stringify(events), sentAt: clock.now() }]);
    },
    'usage under Team',
  );
  clock.set('2026-11-15T00:00:00.000Z');
  await inParallel(
    orgIds,
    CONCURRENCY,
    async (orgId) => {
      await changeSubscription(deps, ctx, { orgId, planId: 'pro', billingModel: 'metered' });
    },
    'upgrade to Pro',
  );
  clock.set('2026-11-25T00:00:00.000Z');
  await inParallel(
    orgIds,
    CONCURRENCY,
    async (orgId) => {
      const events = traffic(orgId, 'b', new Date('2026-11-24T00:00:00.000Z'), 20);
      await ingestUsage(deps, [{ messageId: `${orgId}-b`, body: JSON.stringify(events), sentAt: clock.now() }]);
    },
    'usage under Pro',
  );
  clock.set('2026-12-01T00:30:00.000Z');
  await inParallel(
    orgIds,
    CONCURRENCY,
    async (orgId) => {
      const events = traffic(orgId, 'late', new Date('2026-11-30T23:00:00.000Z'), 3);
      await ingestUsage(deps, [{ messageId: `${orgId}-late`, body: JSON.stringify(events), sentAt: clock.now() }]);
    },
    'late events in the grace',
  );

  clock.set('2026-12-01T01:30:00.000Z');
  const bar = progress('close run (one schedule invocation)', 1);
  capacity.start();
  const started = performance.now();
  const report = await closePeriods(deps);
  const seconds = (performance.now() - started) / 1000;
  const used = capacity.stop();
  bar.done();
  const closed = report.outcomes.closed ?? 0;

  // 2. The invoice list at 10,000 invoices.
  const listOrg = `org_list_${Date.now().toString(36)}`;
  await provisionOrg(deps, ctx, { orgId: listOrg, name: 'list', defaultCurrency: 'USD' });
  const invoices: Invoice[] = Array.from({ length: LIST_INVOICES }, (_, i) => {
    const at = new Date(NOV.start.getTime() + i * 60_000);
    return {
      id: thresholdInvoiceId(listOrg, NOV, i + 1, at),
      orgId: listOrg,
      number: `LIST-${String(i + 1).padStart(5, '0')}`,
      kind: 'threshold',
      status: 'open',
      currency: 'USD',
      period: { key: NOV.key, start: NOV.start.toISOString(), end: NOV.end.toISOString() },
      billTo: { orgId: listOrg, name: 'list', taxIds: [] },
      lines: [
        {
          id: `l${i}`,
          kind: 'usage',
          description: 'Tool invocations',
          meter: 'tool_invocations',
          periodKey: NOV.key,
          quantity: 1000,
          preciseAmount: '80',
          amountMinor: 80,
        },
      ],
      subtotalMinor: 80,
      creditsAppliedMinor: 0,
      totalMinor: 80,
      amountDueMinor: 80,
      creditCarriedMinor: 0,
      createdAt: at.toISOString(),
      issuedAt: at.toISOString(),
      dueAt: at.toISOString(),
      adjustmentIds: [],
      schemaVersion: INVOICE_SCHEMA_VERSION,
    };
  });
  const chunks = Array.from({ length: Math.ceil(invoices.length / 25) }, (_, i) => invoices.slice(i * 25, i * 25 + 25));
  await inParallel(
    chunks,
    CONCURRENCY,
    async (chunk) => {
      await deps.db.send(
        new BatchWriteCommand({
          RequestItems: {
            [TABLE]: chunk.map((inv) => ({
              PutRequest: {
                Item: item(
                  'invoice',
                  keys.invoice(listOrg, inv.id),
                  inv,
                  keys.invoiceStatusIndex(listOrg, inv.status, inv.id),
                ),
              },
            })),
          },
        }),
      );
    },
    `seed ${LIST_INVOICES} invoices`,
  );
  const pages: { page: number; read_units: number; invoices: number }[] = [];
  let cursor: string | undefined;
  const pageBar = progress('walk the invoice list', Math.ceil(LIST_INVOICES / 100));
  for (let page = 1; ; page++) {
    capacity.start();
    const result = await deps.invoices.list(listOrg, { limit: 100, ...(cursor ? { cursor } : {}) });
    const units = capacity.stop().read;
    if (page === 1 || page === 100 || !result.nextCursor)
      pages.push({ page, read_units: units, invoices: result.data.length });
    pageBar.tick();
    cursor = result.nextCursor ?? undefined;
    if (!cursor) break;
  }
  pageBar.done();
  await supervisor.stop();

  const results = {
    measured_at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model },
    command: 'npm run bench:close',
    close: {
      orgs: ORGS,
      closed,
      failed: report.failed.length,
      seconds: +seconds.toFixed(2),
      orgs_per_s: +(closed / seconds).toFixed(1),
      read_units_per_org: +(used.read / Math.max(closed, 1)).toFixed(2),
      write_units_per_org: +(used.write / Math.max(closed, 1)).toFixed(2),
      requests_per_org: +(used.requests / Math.max(closed, 1)).toFixed(1),
      capacity_source: 'DynamoDB Local ConsumedCapacity (TOTAL)',
    },
    invoice_list: { invoices: LIST_INVOICES, page_size: 100, pages },
  };
  const dir = resolve(__dirname, '../../bench-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'close.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log('\nperiod close (one scheduled run)');
  console.table([
    {
      orgs: ORGS,
      closed,
      failed: report.failed.length,
      seconds: results.close.seconds,
      'orgs/s': results.close.orgs_per_s,
      'RCU/org': results.close.read_units_per_org,
      'WCU/org': results.close.write_units_per_org,
    },
  ]);
  console.log(`invoice list with ${LIST_INVOICES} invoices (100 a page)`);
  console.table(pages);
  console.log(`wrote ${join(dir, 'close.json')}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
