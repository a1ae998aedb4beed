/**
 * `npm run bench:ingest`: the usage hot path on the local stack (DynamoDB Local + fauxqs, started here
 * on free ports with the scripts/local helpers). Prints a table and writes bench-results/ingest.json.
 *
 *  1. raw ceiling: TransactWriteItems of 100 conditional puts, same concurrency as the consumer;
 *  2. end to end: events published with the client helper → SQS → local pollers → consumer →
 *     aggregates visible (period totals count every event);
 *  3. write units per event at batch sizes 10 / 50 / 100, from the sizes of the items actually written
 *     (AWS: a transactional write costs 2 WCU per started KB of the item, the larger of before/after
 *     for updates — counters only grow, so the after-image is the larger); DynamoDB Local's
 *     ConsumedCapacity reported beside it only as a cross-check;
 *  4. the hottest partition key's WCU per second in the end-to-end run, and the sustainable events/s of
 *     one org at 1,000 WCU/s per partition key;
 *  5. summary latency with 1,000 events vs the largest count reached in BENCH_LARGE_SECONDS (600),
 *     measured interleaved once both orgs are counted.
 * Benchmarks are measurements, not tests: nothing here asserts a target.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type AttributeValue, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { kernel } from '../../functions/kernel/compose';
import { periodOf } from '../../functions/kernel/period';
import { provisionOrg } from '../../functions/orgs/app/provision-org';
import { deps as orgsDeps } from '../../functions/orgs/compose';
import { QUEUES } from '../../functions/queues';
import { USAGE_SHARDS } from '../../functions/usage/adapters/usage-store';
import { ingestUsage } from '../../functions/usage/app/ingest-usage';
import { getUsageSummary } from '../../functions/usage/app/usage-summary';
import { publishUsage } from '../../functions/usage/client/usage-publisher';
import { deps as usageDeps } from '../../functions/usage/compose';
import { handler } from '../../functions/usage/queue/consume-usage';
import { ensureTable } from '../local/create-table';
import { localDynamoClient, startDynamoDbLocal } from '../local/dynamodb-local';
import { startPoller } from '../local/poller';
import { freePort, Supervisor } from '../local/processes';
import { createQueues, localSqsClient, startSqs } from '../local/sqs';
import { progress } from './progress';

const ROOT = resolve(__dirname, '../..');
const E2E_EVENTS = Number(process.env.BENCH_E2E_EVENTS ?? 20_000);
const EVENTS_PER_MESSAGE = Number(process.env.BENCH_EVENTS_PER_MESSAGE ?? 50);
const POLLERS = Number(process.env.BENCH_POLLERS ?? 4);
const LARGE_TARGET = Number(process.env.BENCH_LARGE_EVENTS ?? 1_000_000);
const LARGE_SECONDS = Number(process.env.BENCH_LARGE_SECONDS ?? 600);
const RAW_SECONDS = Number(process.env.BENCH_RAW_SECONDS ?? 10);
const TABLE = 'billing';

/** AWS item size: attribute name bytes + value bytes (numbers: ~1 byte per 2 significant digits + 1). */
export function attributeSize(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) {
    const digits = v.N.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '') || '0';
    return Math.ceil(digits.length / 2) + 1;
  }
  if (v.B !== undefined) return v.B.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS) return v.SS.reduce((s, x) => s + Buffer.byteLength(x), 0);
  if (v.NS) return v.NS.reduce((s, x) => s + attributeSize({ N: x }), 0);
  if (v.L) return 3 + v.L.reduce((s, x) => s + attributeSize(x) + 1, 0);
  if (v.M) return 3 + Object.entries(v.M).reduce((s, [k, x]) => s + Buffer.byteLength(k) + attributeSize(x) + 1, 0);
  return 0;
}
export const itemSize = (item: Record<string, AttributeValue>) =>
  Object.entries(item).reduce((s, [k, v]) => s + Buffer.byteLength(k) + attributeSize(v), 0);
export const transactionalWcu = (bytes: number) => 2 * Math.max(1, Math.ceil(bytes / 1024));

async function main() {
  const supervisor = new Supervisor();
  const dynamo = await startDynamoDbLocal({ port: await freePort(), supervisor });
  const sqsLocal = await startSqs(await freePort());
  Object.assign(process.env, {
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    SQS_ENDPOINT: sqsLocal.endpoint,
    TABLE_NAME: TABLE,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  const raw = localDynamoClient(dynamo.endpoint);
  await ensureTable(raw, TABLE);
  const sqs = localSqsClient(sqsLocal.endpoint);
  const queues = await createQueues(sqs, QUEUES);
  // Deps are built on first use, after the environment above points at the local stack.
  const d = kernel();
  const orgs = orgsDeps();
  const ud = usageDeps();
  const newOrg = async (name: string) => {
    const orgId = `org_bench_${name}_${Date.now().toString(36)}`;
    await provisionOrg(orgs, { actor: { type: 'system', id: 'bench' } }, { orgId, name, defaultCurrency: 'USD' });
    return orgId;
  };

  // A realistic stream: runs of 10 events (1 run, 5 token calls, 4 tool calls) from 5 agents over
  // 3 connections and 2 models.
  const eventsFor = (orgId: string, count: number, prefix: string) => {
    const out = [];
    const at = new Date().toISOString();
    for (let i = 0; i < count; i++) {
      const runNo = Math.floor(i / 10);
      const step = i % 10;
      const common = {
        id: `${prefix}run_${runNo}:step_${step}`,
        org_id: orgId,
        timestamp: at,
        agent_id: `agent_${runNo % 5}`,
        connection_id: `conn_${runNo % 3}`,
        run_id: `${prefix}run_${runNo}`,
      };
      if (step === 0) out.push({ ...common, type: 'agent_run' as const, count: 1 });
      else if (step <= 5)
        out.push({
          ...common,
          type: 'llm_tokens' as const,
          model: runNo % 2 ? 'claude-sonnet-4' : 'claude-haiku-4',
          input_tokens: 1000 + step,
          output_tokens: 200 + step,
          cached_input_tokens: step * 10,
        });
      else out.push({ ...common, type: 'tool_invocation' as const, tool: 'web_search', count: 1 });
    }
    return out;
  };
  const period = periodOf(new Date()).key;
  const counted = async (orgId: string) => (await ud.usageReader.periodTotals(orgId, period)).events;

  // 1. Raw transactional ceiling: 100 conditional puts per transaction, POLLERS × shards concurrency.
  const concurrency = Math.min(USAGE_SHARDS, POLLERS * 2);
  let rawItems = 0;
  const rawStart = performance.now();
  const rawBar = progress(`1/4 raw transactional ceiling (${RAW_SECONDS} s, items)`, 0);
  const rawTimer = setInterval(() => rawBar.update(rawItems, rawItems), 1000);
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let n = 0; performance.now() - rawStart < RAW_SECONDS * 1000; n++) {
        await d.db.send(
          new TransactWriteCommand({
            TransactItems: Array.from({ length: 100 }, (_, i) => ({
              Put: {
                TableName: TABLE,
                Item: {
                  PK: `RAW#${w}#${n}#${i}`,
                  SK: 'MARKER',
                  entity: 'raw',
                  v: 1,
                  hash: 'x'.repeat(32),
                  expiresAt: 1,
                },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            })),
          }),
        );
        rawItems += 100;
      }
    }),
  );
  clearInterval(rawTimer);
  rawBar.update(rawItems, rawItems);
  rawBar.done();
  const rawCeiling = rawItems / ((performance.now() - rawStart) / 1000);

  // 2. End to end, with a log of every transaction for the partition analysis.
  const txLog: { t: number; puts: number; updateKeys: { PK: string; SK: string }[]; events: number }[] = [];
  d.db.middlewareStack.add(
    ((next: (a: unknown) => Promise<unknown>) =>
      async (args: {
        input: { TransactItems?: Record<string, { Item?: { PK: string }; Key?: { PK: string; SK: string } }>[] };
      }) => {
        const result = await next(args);
        const items = args.input.TransactItems;
        if (items) {
          const puts = items.filter((i) => i.Put).length;
          txLog.push({
            t: performance.now(),
            puts,
            updateKeys: items.flatMap((i) => (i.Update?.Key ? [i.Update.Key] : [])),
            events: puts,
          });
        }
        return result;
      }) as never,
    { step: 'initialize', name: 'benchLog' },
  );
  const e2eOrg = await newOrg('e2e');
  const events = eventsFor(e2eOrg, E2E_EVENTS, 'e2e');
  const usageDef = QUEUES.find((q) => q.id === 'usage')!;
  const pollers = Array.from({ length: POLLERS }, () =>
    startPoller({
      sqs,
      queueUrl: queues.usage.url,
      queueArn: queues.usage.arn,
      definition: usageDef,
      handler: handler as never,
    }),
  );
  const e2eStart = performance.now();
  const sendMessageBytes = Math.ceil((JSON.stringify(events.slice(0, EVENTS_PER_MESSAGE)).length + 2) * 1.05);
  await publishUsage({ sqs, queueUrl: queues.usage.url, maxMessageBytes: sendMessageBytes }, events);
  const sentAt = performance.now();
  const e2eBar = progress('2/4 end to end through SQS (events counted)', E2E_EVENTS);
  for (let seen = 0; seen < E2E_EVENTS; await new Promise((r) => setTimeout(r, 100))) {
    seen = await counted(e2eOrg);
    e2eBar.update(seen);
  }
  e2eBar.done();
  const e2eSeconds = (performance.now() - e2eStart) / 1000;
  await Promise.all(pollers.map((p) => p.stop()));
  d.db.middlewareStack.remove('benchLog');

  // Item sizes actually written (after-images: counters only grow), for the WCU figures.
  const sizeCache = new Map<string, number>();
  const sizeOf = async (key: { PK: string; SK: string }) => {
    const id = `${key.PK}|${key.SK}`;
    if (!sizeCache.has(id)) {
      const out = await raw.send(
        new GetItemCommand({ TableName: TABLE, Key: { PK: { S: key.PK }, SK: { S: key.SK } } }),
      );
      sizeCache.set(id, out.Item ? itemSize(out.Item) : 0);
    }
    return sizeCache.get(id)!;
  };
  const markerBytes = itemSize({
    PK: { S: `USAGE_EVENT#${e2eOrg}#${events[0]!.id}` },
    SK: { S: 'MARKER' },
    entity: { S: 'usage_marker' },
    v: { N: '1' },
    hash: { S: 'x'.repeat(32) },
    expiresAt: { N: '1800000000' },
  });
  // 4. Partition keys: WCU per PK per second (markers have a PK each; aggregates share a shard's PK).
  const perPkSecond = new Map<string, number>();
  const perPk = new Map<string, number>();
  for (const tx of txLog) {
    const second = Math.floor((tx.t - e2eStart) / 1000);
    for (const key of tx.updateKeys) {
      const w = transactionalWcu(await sizeOf(key));
      perPk.set(key.PK, (perPk.get(key.PK) ?? 0) + w);
      const k = `${key.PK}@${second}`;
      perPkSecond.set(k, (perPkSecond.get(k) ?? 0) + w);
    }
  }
  const hottestPkSecond = Math.max(transactionalWcu(markerBytes), ...perPkSecond.values());
  const hottestPkTotal = Math.max(...perPk.values());
  const sustainablePerOrg = (1000 * E2E_EVENTS) / hottestPkTotal;

  // 3. WCU per event at batch sizes (events per consumer transaction), on a fresh org each.
  const wcuByBatch: Record<string, unknown>[] = [];
  // 97 events + 3 counter items (period, day, hour) = 100 actions: the fullest transaction of a
  // one-hour, one-org batch (98 before the hour items).
  const wcuBar = progress('3/4 WCU per event at batch 10, 50, 97 (events)', 3 * 2_000);
  for (const batchSize of [10, 50, 97]) {
    const org = await newOrg(`wcu${batchSize}`);
    const stream = eventsFor(org, 2_000, `w${batchSize}`);
    const txs: { markers: number; updates: { PK: string; SK: string }[]; consumed: number }[] = [];
    // Other writes of the hot path (the bounded-cardinality registry, written when new agents or models
    // appear): standard writes, 1 WCU per started KB of the item after the write.
    let otherWcu = 0;
    const tap = ((next: (a: unknown) => Promise<{ output: { ConsumedCapacity?: { CapacityUnits?: number }[] } }>) =>
      async (args: {
        input: Record<string, unknown> & { TransactItems?: Record<string, { Key?: { PK: string; SK: string } }>[] };
      }) => {
        const key = args.input.Key as { PK: string; SK: string } | undefined;
        if (!args.input.TransactItems && args.input.UpdateExpression && key?.PK.startsWith('USAGE_DIMENSIONS#')) {
          const result = await next(args);
          sizeCache.delete(`${key.PK}|${key.SK}`);
          otherWcu += Math.max(1, Math.ceil((await sizeOf(key)) / 1024));
          return result;
        }
        if (!args.input.TransactItems) return next(args);
        args.input.ReturnConsumedCapacity = 'TOTAL';
        const result = await next(args);
        txs.push({
          markers: args.input.TransactItems.filter((i) => i.Put).length,
          updates: args.input.TransactItems.flatMap((i) => (i.Update?.Key ? [i.Update.Key] : [])),
          consumed: (result.output.ConsumedCapacity ?? []).reduce((s, c) => s + (c.CapacityUnits ?? 0), 0),
        });
        // Size of each counter item right after this transaction (its after-image).
        for (const key of txs[txs.length - 1]!.updates) sizeCache.delete(`${key.PK}|${key.SK}`);
        (txs[txs.length - 1] as { sizes?: number[] }).sizes = await Promise.all(
          txs[txs.length - 1]!.updates.map(sizeOf),
        );
        return result;
      }) as never;
    d.db.middlewareStack.add(tap, { step: 'initialize', name: 'benchWcu' });
    // One message per transaction-sized batch: the consumer's chunk holds exactly `batchSize` events
    // (capped by 100 actions per transaction).
    for (let i = 0; i < stream.length; i += batchSize) {
      await ingestUsage(ud, [
        {
          messageId: `wcu-${batchSize}-${i}`,
          body: JSON.stringify(stream.slice(i, i + batchSize)),
          sentAt: new Date(),
        },
      ]);
      wcuBar.tick(Math.min(batchSize, stream.length - i));
    }
    d.db.middlewareStack.remove('benchWcu');
    let wcu = otherWcu;
    let markers = 0;
    let consumed = 0;
    for (const tx of txs as ((typeof txs)[number] & { sizes: number[] })[]) {
      wcu += tx.markers * transactionalWcu(markerBytes) + tx.sizes.reduce((s, b) => s + transactionalWcu(b), 0);
      markers += tx.markers;
      consumed += tx.consumed;
    }
    const maxCounterBytes = Math.max(...(txs as unknown as { sizes: number[] }[]).flatMap((t) => t.sizes));
    wcuByBatch.push({
      batch_size: batchSize,
      events: markers,
      transactions: txs.length,
      events_per_transaction: +(markers / txs.length).toFixed(1),
      marker_item_bytes: markerBytes,
      largest_counter_item_bytes: maxCounterBytes,
      other_hot_path_wcu: otherWcu,
      wcu_per_event_aws: +(wcu / markers).toFixed(3),
      wcu_per_event_dynamodb_local_reported: +(consumed / markers).toFixed(3),
    });
  }

  // 5. Summary latency: 1,000 events vs the largest count reached, measured interleaved (small, large,
  // small, …) once both are counted, so JVM warmth, garbage collection and the table's size affect both
  // alike and the ratio shows what the event count itself costs.
  const latencies = async (orgIds: readonly string[]) => {
    const samples = orgIds.map(() => [] as number[]);
    for (let i = 0; i < 60; i++) {
      for (const [k, orgId] of orgIds.entries()) {
        const t = performance.now();
        await getUsageSummary(ud, orgId);
        samples[k]!.push(performance.now() - t);
      }
    }
    return samples.map((s) => {
      s.sort((a, b) => a - b);
      return { p50: +s[30]!.toFixed(2), p90: +s[54]!.toFixed(2) };
    });
  };
  const smallOrg = await newOrg('small');
  const small = eventsFor(smallOrg, 1_000, 's');
  for (let i = 0; i < small.length; i += 100)
    await ingestUsage(ud, [{ messageId: `s-${i}`, body: JSON.stringify(small.slice(i, i + 100)), sentAt: new Date() }]);
  const largeOrg = await newOrg('large');
  wcuBar.done();
  const largeStart = performance.now();
  let largeCount = 0;
  const largeBar = progress(
    `4/4 one org to ${LARGE_TARGET.toLocaleString('en-US')} events (≤ ${LARGE_SECONDS} s)`,
    LARGE_TARGET,
  );
  const batchEvents = 500;
  const workers = POLLERS;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let n = 0; largeCount < LARGE_TARGET && performance.now() - largeStart < LARGE_SECONDS * 1000; n++) {
        const evs = eventsFor(largeOrg, batchEvents, `L${w}-${n}-`);
        const records = [];
        for (let i = 0; i < evs.length; i += 50)
          records.push({
            messageId: `L${w}-${n}-${i}`,
            body: JSON.stringify(evs.slice(i, i + 50)),
            sentAt: new Date(),
          });
        await ingestUsage(ud, records);
        largeCount += batchEvents;
        largeBar.update(largeCount);
      }
    }),
  );
  largeBar.done();
  const largeCounted = await counted(largeOrg);
  const [smallLatency, largeLatency] = (await latencies([smallOrg, largeOrg])) as [
    { p50: number; p90: number },
    { p50: number; p90: number },
  ];

  const e2eRate = E2E_EVENTS / e2eSeconds;
  const wcu50 = wcuByBatch.find((w) => w.batch_size === 50)!.wcu_per_event_aws as number;
  const results = {
    measured_at: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version },
    shards: USAGE_SHARDS,
    raw_transactional_ceiling_items_per_s: Math.round(rawCeiling),
    end_to_end: {
      events: E2E_EVENTS,
      events_per_message: EVENTS_PER_MESSAGE,
      pollers: POLLERS,
      publish_seconds: +((sentAt - e2eStart) / 1000).toFixed(2),
      seconds_to_aggregates_visible: +e2eSeconds.toFixed(2),
      events_per_s: Math.round(e2eRate),
      ratio_to_raw_ceiling: +(e2eRate / rawCeiling).toFixed(3),
    },
    wcu_per_event: wcuByBatch,
    partitions: {
      hottest_partition_key_wcu_per_s_seen: hottestPkSecond,
      hottest_partition_key_wcu_per_event: +(hottestPkTotal / E2E_EVENTS).toFixed(4),
      sustainable_events_per_s_per_org_at_1000_wcu_per_partition_key: Math.round(sustainablePerOrg),
    },
    summary_latency_ms: {
      at_1000_events: smallLatency,
      large_count: largeCounted,
      large_count_note:
        largeCounted >= LARGE_TARGET ? 'reached the target count' : `largest count reached in ${LARGE_SECONDS} s`,
      at_large_count: largeLatency,
      ratio_p50: +(largeLatency.p50 / smallLatency.p50).toFixed(3),
    },
    targets: {
      wcu_per_event_at_batch_50_le_2_25: wcu50 <= 2.25,
      end_to_end_ge_60_percent_of_ceiling: e2eRate / rawCeiling >= 0.6,
      one_org_ge_10000_events_per_s: sustainablePerOrg >= 10_000,
      summary_latency_ratio_le_1_2: largeLatency.p50 / smallLatency.p50 <= 1.2,
    },
  };
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench-results/ingest.json'), JSON.stringify(results, null, 2));
  const rows: [string, string][] = [
    ['raw DynamoDB Local transactional ceiling (items/s)', String(results.raw_transactional_ceiling_items_per_s)],
    ['end-to-end SQS send → aggregates visible (events/s)', String(results.end_to_end.events_per_s)],
    ['  ratio to the raw ceiling', String(results.end_to_end.ratio_to_raw_ceiling)],
    ...wcuByBatch.map(
      (w) =>
        [
          `WCU/event, AWS rules, batch ${w.batch_size} (${w.events_per_transaction} ev/tx)`,
          `${w.wcu_per_event_aws}  (DynamoDB Local says ${w.wcu_per_event_dynamodb_local_reported})`,
        ] as [string, string],
    ),
    ['hottest partition key WCU/s seen', String(hottestPkSecond)],
    [
      'sustainable events/s per org at 1,000 WCU/s per key',
      String(results.partitions.sustainable_events_per_s_per_org_at_1000_wcu_per_partition_key),
    ],
    ['summary p50 ms at 1,000 events', String(smallLatency.p50)],
    [
      `summary p50 ms at ${largeCounted} events (${results.summary_latency_ms.large_count_note})`,
      String(largeLatency.p50),
    ],
    ['  ratio', String(results.summary_latency_ms.ratio_p50)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
  console.log('targets:', results.targets);
  console.log('written to bench-results/ingest.json');
  raw.destroy();
  await sqsLocal.stop();
  await supervisor.stop();
  process.exit(0);
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
