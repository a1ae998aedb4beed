import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { addDays, epochSeconds } from '../../kernel/clock';
import { cancellationReasons, isConditionalCheckFailed } from '../../kernel/dynamo/client';
import { ITEM_SCHEMA_VERSION, keys, type TableKey } from '../../kernel/dynamo/keys';
import {
  decodeCursor,
  encodeCursor,
  partitionData,
  partitionQuery,
  queryAllItems,
  queryPartitionPage,
} from '../../kernel/dynamo/pagination';
import { dayKey, hourKey, nextPeriod, type Period, periodByKey, periodOf } from '../../kernel/period';
import type { Page } from '../../kernel/ports';
import type { UsageCell } from '../../kernel/pricing/quantities';
import { type Admission, type DimensionRegistry, EMPTY_REGISTRY } from '../domain/cardinality';
import { cellIncrements, DEDUP_MARKER_DAYS, parseCellKey } from '../domain/usage';
import type {
  AcceptedUsage,
  CommitOutcome,
  DimensionRegistryStore,
  PeriodUsage,
  RejectedUsage,
  UsageIngestStore,
  UsageReader,
  UsageSnapshot,
} from '../ports';

/**
 * The hot path's storage. Per chunk of events, ONE TransactWriteItems holds:
 *  - a conditional Put of each event's dedup marker (`attribute_not_exists(PK)`, payload hash on it,
 *    ALL_OLD returned on failure so a duplicate and a conflict can be told apart), and
 *  - the chunk's counter updates, pre-aggregated in memory: one ADD per counter item (period totals,
 *    day, and for late events the adjustment item), never one per event.
 * Markers cost 2 WCU each (transactional, < 1 KB): the floor. Counters add a few WCU per chunk.
 */

/** Counter shards per org × period: concurrent batches write different shards; reads sum all of them. */
export const USAGE_SHARDS = 8;
/** DynamoDB: at most 100 actions per transaction (and 4 MB, far above what these small items reach). */
export const MAX_TRANSACTION_ITEMS = 100;
/** Cells per counter update: keeps the update expression under DynamoDB's 4 KB expression limit. */
export const MAX_CELLS_PER_UPDATE = 150;
/**
 * Retry budgets do not multiply. The SDK (client maxAttempts 5) retries throttling and 5xx answers
 * itself; the store retries only what the SDK never does: a transaction cancelled because another one
 * held an item (`TransactionConflict`), with full-jitter backoff. A transaction cancelled for throttling,
 * or any error the SDK gave up on, fails its records at once: SQS redelivers them after the visibility
 * timeout, a longer backoff than any loop here could afford.
 */
const MAX_CONFLICT_ATTEMPTS = 8;
/** Rounds of a BatchWrite/BatchGet's unprocessed keys (the SDK never retries those: they are not errors). */
const MAX_UNPROCESSED_ROUNDS = 8;
/** Cancellation reasons that no retry can cure: the chunk is split to find the events that cannot be counted. */
const PERMANENT_REASONS = new Set(['ValidationError']);

interface CounterItem {
  key: TableKey;
  entity: 'usage_totals' | 'usage_day' | 'usage_hour' | 'usage_adjustment';
  cells: Map<string, number>;
  events: number;
  /** Hour items expire (TTL) two days after the end of the period following theirs. */
  expiresAt?: number;
}

export interface Chunk {
  indices: number[];
  counters: Map<string, CounterItem>;
}

const counterId = (k: TableKey) => `${k.PK}\u0000${k.SK}`;

type CounterTarget = Pick<CounterItem, 'key' | 'entity' | 'expiresAt'>;

/** Hour rows outlive the next period: the current and the previous period always have hourly detail. */
export const hourRowsExpireAt = (period: Period) => epochSeconds(addDays(nextPeriod(period).end, 2));

/**
 * The counter items an event adds to: its period's total, its day and its hour (and for a late event the
 * adjustment item). Each holds the same cells, so any of them is exact to the event at its grain.
 */
function counterKeysOf(u: AcceptedUsage, shard: number): CounterTarget[] {
  const { orgId, timestamp } = u.event;
  const period = periodOf(timestamp);
  const out: CounterTarget[] = [
    { key: keys.usagePeriodTotals(orgId, period.key, shard, u.termsFrom), entity: 'usage_totals' },
    { key: keys.usageDay(orgId, period.key, shard, dayKey(timestamp), u.termsFrom), entity: 'usage_day' },
    {
      key: keys.usageHour(orgId, period.key, shard, hourKey(timestamp), u.termsFrom),
      entity: 'usage_hour',
      expiresAt: hourRowsExpireAt(period),
    },
  ];
  if (u.late)
    out.push({ key: keys.usageAdjustment(orgId, period.key, shard, u.termsFrom), entity: 'usage_adjustment' });
  return out;
}

/**
 * Splits events into transactions: markers + counter items ≤ 100 actions, ≤ 150 cells per counter
 * item, one org per transaction. Events are sorted by org, then time, so a chunk touches as few counter
 * items as possible.
 */
export function buildChunks(events: readonly AcceptedUsage[], shard: number): Chunk[] {
  const order = events
    .map((_, i) => i)
    .sort((a, b) => {
      const ea = events[a]!.event;
      const eb = events[b]!.event;
      return ea.orgId === eb.orgId ? ea.timestamp.getTime() - eb.timestamp.getTime() : ea.orgId < eb.orgId ? -1 : 1;
    });
  const chunks: Chunk[] = [];
  let current: Chunk = { indices: [], counters: new Map() };
  for (const i of order) {
    const u = events[i]!;
    const increments = cellIncrements(u.event);
    const targets = counterKeysOf(u, shard);
    const fits = (chunk: Chunk) => {
      const newItems = targets.filter((t) => !chunk.counters.has(counterId(t.key))).length;
      if (chunk.indices.length + 1 + chunk.counters.size + newItems > MAX_TRANSACTION_ITEMS) return false;
      return targets.every((t) => {
        const existing = chunk.counters.get(counterId(t.key))?.cells;
        if (!existing) return increments.size <= MAX_CELLS_PER_UPDATE;
        let added = 0;
        for (const k of increments.keys()) if (!existing.has(k)) added++;
        return existing.size + added <= MAX_CELLS_PER_UPDATE;
      });
    };
    // A chunk holds one org's events only: a transaction that fails fails one tenant, never its neighbours.
    const otherOrg = current.indices.length > 0 && events[current.indices[0]!]!.event.orgId !== u.event.orgId;
    if (current.indices.length > 0 && (otherOrg || !fits(current))) {
      chunks.push(current);
      current = { indices: [], counters: new Map() };
    }
    current.indices.push(i);
    for (const t of targets) {
      const id = counterId(t.key);
      let item = current.counters.get(id);
      if (!item) {
        item = { ...t, cells: new Map(), events: 0 };
        current.counters.set(id, item);
      }
      for (const [k, q] of increments) item.cells.set(k, (item.cells.get(k) ?? 0) + q);
      item.events += 1;
    }
  }
  if (current.indices.length > 0) chunks.push(current);
  return chunks;
}

/** Rebuilds a chunk's counters from the events still pending (after duplicates were dropped). */
function rechunk(events: readonly AcceptedUsage[], indices: readonly number[], shard: number): Chunk {
  const sub = buildChunks(
    indices.map((i) => events[i]!),
    shard,
  );
  // Dropping events never makes a chunk bigger, so this is one chunk; map its indices back.
  const only = sub[0] ?? { indices: [], counters: new Map() };
  return { indices: only.indices.map((j) => indices[j]!), counters: only.counters };
}

export interface TransactionItems {
  TransactItems: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>;
}

/** The transaction of one chunk: markers first (so CancellationReasons[i] is event i's marker). */
export function transactionOf(
  tableName: string,
  events: readonly AcceptedUsage[],
  chunk: Chunk,
  now: Date,
): TransactionItems {
  const expiresAt = epochSeconds(addDays(now, DEDUP_MARKER_DAYS));
  const markers = chunk.indices.map((i) => {
    const u = events[i]!;
    return {
      Put: {
        TableName: tableName,
        Item: {
          ...keys.usageEventMarker(u.event.orgId, u.event.id),
          entity: 'usage_marker',
          v: ITEM_SCHEMA_VERSION,
          hash: u.payloadHash,
          expiresAt,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
      },
    };
  });
  const updates = [...chunk.counters.values()].map((c) => {
    const names: Record<string, string> = { '#entity': 'entity', '#v': 'v', '#events': 'events' };
    const values: Record<string, unknown> = { ':entity': c.entity, ':v': ITEM_SCHEMA_VERSION, ':n': c.events };
    const adds = ['#events :n'];
    let n = 0;
    for (const [cell, q] of c.cells) {
      names[`#c${n}`] = cell;
      values[`:c${n}`] = q;
      adds.push(`#c${n} :c${n}`);
      n++;
    }
    let set = '#entity = if_not_exists(#entity, :entity), #v = if_not_exists(#v, :v)';
    if (c.entity === 'usage_totals') {
      names['#at'] = 'lastCountedAt';
      values[':at'] = now.toISOString();
      set += ', #at = :at';
    }
    if (c.expiresAt !== undefined) {
      names['#ttl'] = 'expiresAt';
      values[':ttl'] = c.expiresAt;
      set += ', #ttl = if_not_exists(#ttl, :ttl)';
    }
    return {
      Update: {
        TableName: tableName,
        Key: c.key,
        UpdateExpression: `SET ${set} ADD ${adds.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  });
  return { TransactItems: [...markers, ...updates] };
}

const isPermanent = (error: unknown) => error instanceof Error && error.name === 'ValidationException';
const reasonText = (error: unknown) => {
  const reasons = cancellationReasons(error);
  const found = reasons?.find((r) => r.Code && PERMANENT_REASONS.has(r.Code));
  return (found?.Message ?? (error instanceof Error ? error.message : String(error))).slice(0, 300);
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Full jitter: a random wait in [0, min(cap, base·2^attempt)). */
const backoff = (attempt: number) => sleep(Math.random() * Math.min(1_000, 20 * 2 ** attempt));

export class DynamoUsageStore implements UsageIngestStore, UsageReader, DimensionRegistryStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly shards: number = USAGE_SHARDS,
  ) {}

  async commit(events: readonly AcceptedUsage[], options: { shardSeed: number; now: Date }): Promise<CommitOutcome[]> {
    const outcomes: CommitOutcome[] = new Array(events.length);
    if (events.length === 0) return outcomes;
    // Chunks run concurrently, each on its own shard, so they never contend for a counter item.
    const base = Math.abs(options.shardSeed) % this.shards;
    const probe = buildChunks(events, base);
    const workers = Math.min(probe.length, this.shards);
    const perWorker: number[][][] = Array.from({ length: workers }, () => []);
    probe.forEach((chunk, i) => {
      perWorker[i % workers]!.push(chunk.indices);
    });
    await Promise.all(
      perWorker.map(async (chunks, w) => {
        const shard = (base + w) % this.shards;
        for (const indices of chunks) await this.commitChunk(events, indices, shard, options.now, outcomes);
      }),
    );
    return outcomes;
  }

  private async commitChunk(
    events: readonly AcceptedUsage[],
    indices: readonly number[],
    shard: number,
    now: Date,
    outcomes: CommitOutcome[],
  ): Promise<void> {
    let pending = [...indices];
    for (let conflicts = 0; pending.length > 0; ) {
      const chunk = rechunk(events, pending, shard);
      pending = chunk.indices;
      try {
        await this.db.send(new TransactWriteCommand(transactionOf(this.tableName, events, chunk, now)));
        for (const i of pending) outcomes[i] = { kind: 'counted' };
        return;
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (!reasons) {
          if (isPermanent(error)) return this.isolate(events, pending, shard, now, outcomes, error);
          return this.fail(pending, error, outcomes);
        }
        const still: number[] = [];
        pending.forEach((i, position) => {
          const reason = reasons[position];
          if (reason?.Code === 'ConditionalCheckFailed') {
            // Items in CancellationReasons are raw AttributeValues (the document client leaves them).
            const stored = reason.Item ? unmarshall(reason.Item as Parameters<typeof unmarshall>[0]) : {};
            const storedHash = String(stored.hash ?? '');
            outcomes[i] =
              storedHash === events[i]!.payloadHash ? { kind: 'duplicate' } : { kind: 'conflict', storedHash };
          } else {
            still.push(i);
          }
        });
        const codes = reasons.map((r) => r.Code ?? 'None');
        if (codes.some((c) => PERMANENT_REASONS.has(c)))
          return this.isolate(events, still, shard, now, outcomes, error);
        if (codes.some((c) => c !== 'None' && c !== 'ConditionalCheckFailed' && c !== 'TransactionConflict')) {
          return this.fail(still, error, outcomes);
        }
        pending = still;
        if (codes.includes('TransactionConflict')) {
          conflicts += 1;
          if (conflicts >= MAX_CONFLICT_ATTEMPTS) return this.fail(pending, error, outcomes);
          await backoff(conflicts);
        }
      }
    }
  }

  /**
   * A chunk that DynamoDB refuses for good (a validation error: no retry can cure it) is split in halves
   * until the events it cannot count are alone; those are `uncountable` (quarantined with the reason),
   * every other event of the chunk is counted.
   */
  private async isolate(
    events: readonly AcceptedUsage[],
    indices: readonly number[],
    shard: number,
    now: Date,
    outcomes: CommitOutcome[],
    error: unknown,
  ): Promise<void> {
    if (indices.length === 0) return;
    if (indices.length === 1) {
      outcomes[indices[0]!] = { kind: 'uncountable', reason: reasonText(error) };
      return;
    }
    const half = Math.ceil(indices.length / 2);
    for (const part of [indices.slice(0, half), indices.slice(half)]) {
      await this.commitChunk(events, part, shard, now, outcomes);
    }
  }

  private fail(indices: readonly number[], error: unknown, outcomes: CommitOutcome[]): void {
    for (const i of indices) outcomes[i] = { kind: 'failed', error };
  }

  async quarantine(rejections: readonly RejectedUsage[], now: Date): Promise<void> {
    // Rejections are kept 90 days; the key is stable per (message, position), so rewrites are no-ops.
    const expiresAt = epochSeconds(addDays(now, 90));
    const puts = rejections.map((r) => ({
      PutRequest: {
        Item: {
          ...keys.usageRejected(r.orgId, r.sentAt, r.messageId, r.position),
          entity: 'usage_rejected',
          v: ITEM_SCHEMA_VERSION,
          data: r,
          expiresAt,
        },
      },
    }));
    for (let i = 0; i < puts.length; i += 25) {
      let batch: typeof puts = puts.slice(i, i + 25);
      for (let attempt = 0; batch.length > 0; attempt++) {
        if (attempt >= MAX_UNPROCESSED_ROUNDS) throw new Error('quarantine writes stayed unprocessed');
        if (attempt > 0) await backoff(attempt);
        const out = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: batch } }));
        batch = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof puts;
      }
    }
  }

  async periodTotals(orgId: string, periodKey: string, consistent = false): Promise<PeriodUsage> {
    return sumTotals(await this.totalItems(orgId, periodKey, consistent));
  }

  /** The period's total items (one per shard × stretch): one Query per shard, in parallel. */
  async totalItems(orgId: string, periodKey: string, consistent = false): Promise<Record<string, unknown>[]> {
    const perShard = await Promise.all(
      Array.from({ length: this.shards }, (_, shard) =>
        this.queryAll(keys.usageShard(orgId, periodKey, shard), keys.usageTotalsPrefix, consistent),
      ),
    );
    return perShard.flat();
  }

  /** Every item of a partition (whose SK starts with `skPrefix`), all pages. */
  private queryAll(pk: string, skPrefix?: string, consistent = false): Promise<Record<string, unknown>[]> {
    return queryAllItems(this.db, {
      ...partitionQuery(this.tableName, pk, skPrefix),
      ...(consistent ? { ConsistentRead: true } : {}),
    });
  }

  snapshot(orgId: string, periodKey: string, options: { consistent?: boolean } = {}): Promise<UsageSnapshot> {
    return readUsageSnapshot(this, orgId, periodKey, options.consistent ?? false);
  }

  /** Reads the given keys (any mix) in one BatchGetItem round, retrying unprocessed keys. */
  async batchGet(wanted: readonly TableKey[], consistent = false): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < wanted.length; i += 100) {
      let pending: TableKey[] = wanted.slice(i, i + 100);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= MAX_UNPROCESSED_ROUNDS) throw new Error('batch get stayed unprocessed');
        if (attempt > 0) await backoff(attempt);
        const res = await this.db.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: pending, ...(consistent ? { ConsistentRead: true } : {}) } },
          }),
        );
        out.push(...((res.Responses?.[this.tableName] ?? []) as Record<string, unknown>[]));
        pending = (res.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as TableKey[];
      }
    }
    return out;
  }

  async dailyCells(orgId: string, periodKey: string): Promise<Map<string, UsageCell[]>> {
    const perShard = await Promise.all(
      Array.from({ length: this.shards }, (_, shard) =>
        this.queryAll(keys.usageShard(orgId, periodKey, shard), keys.usageDayPrefix),
      ),
    );
    const perDay = new Map<string, CellSums>();
    for (const item of perShard.flat()) {
      const day = String(item.SK).slice(keys.usageDayPrefix.length, keys.usageDayPrefix.length + 10);
      const sums = perDay.get(day) ?? new CellSums();
      perDay.set(day, sums);
      sums.add(item);
    }
    return new Map([...perDay.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([d, sums]) => [d, sums.cells()]));
  }

  async hourlyCells(
    orgId: string,
    periodKey: string,
    hours: { readonly from: string; readonly to: string },
    options: { readonly consistent?: boolean } = {},
  ): Promise<Map<string, UsageCell[]>> {
    if (hours.from >= hours.to) return new Map();
    // SK BETWEEN 'HOUR#<from>' AND 'HOUR#<last>#~': every stretch of every hour in [from, to).
    const last = hourKey(new Date(Date.parse(`${hours.to}:00:00.000Z`) - 3_600_000));
    const perShard = await Promise.all(
      Array.from({ length: this.shards }, (_, shard) =>
        queryAllItems(this.db, {
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': keys.usageShard(orgId, periodKey, shard),
            ':from': `${keys.usageHourPrefix}${hours.from}`,
            ':to': `${keys.usageHourPrefix}${last}#~`,
          },
          ...(options.consistent ? { ConsistentRead: true } : {}),
        }),
      ),
    );
    const perHour = new Map<string, CellSums>();
    for (const item of perShard.flat()) {
      const hour = String(item.SK).slice(keys.usageHourPrefix.length, keys.usageHourPrefix.length + 13);
      const sums = perHour.get(hour) ?? new CellSums();
      perHour.set(hour, sums);
      sums.add(item);
    }
    return new Map([...perHour.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([h, sums]) => [h, sums.cells()]));
  }

  async readDimensions(orgId: string, periodKey: string): Promise<DimensionRegistry> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.usageDimensions(orgId, periodKey), ConsistentRead: true }),
    );
    const item = out.Item as Record<string, unknown> | undefined;
    if (!item) return EMPTY_REGISTRY;
    const set = (name: string) => new Set<string>([...((item[name] as Set<string> | undefined) ?? [])]);
    return {
      models: set('models'),
      series: { agent: set('agentSeries'), connection: set('connectionSeries') },
      bytes: { agent: Number(item.agentBytes ?? 0), connection: Number(item.connectionBytes ?? 0) },
      version: Number(item.version ?? 0),
    };
  }

  async admitDimensions(
    orgId: string,
    periodKey: string,
    admission: Admission,
    expectedVersion: number,
  ): Promise<boolean> {
    const names: Record<string, string> = { '#e': 'entity', '#v': 'v', '#ver': 'version', '#ttl': 'expiresAt' };
    const values: Record<string, unknown> = {
      ':e': 'usage_dimensions',
      ':v': ITEM_SCHEMA_VERSION,
      ':next': expectedVersion + 1,
      // Kept while late events may still arrive for the period (30 days), with a margin.
      ':ttl': epochSeconds(addDays(periodByKey(periodKey).end, 60)),
    };
    const adds: string[] = [];
    const add = (name: string, attribute: string, value: unknown) => {
      names[`#${name}`] = attribute;
      values[`:${name}`] = value;
      adds.push(`#${name} :${name}`);
    };
    if (admission.models.length > 0) add('m', 'models', new Set(admission.models));
    if (admission.series.agent.length > 0) {
      add('as', 'agentSeries', new Set(admission.series.agent));
      add('ab', 'agentBytes', admission.bytes.agent);
    }
    if (admission.series.connection.length > 0) {
      add('cs', 'connectionSeries', new Set(admission.series.connection));
      add('cb', 'connectionBytes', admission.bytes.connection);
    }
    if (expectedVersion > 0) values[':expected'] = expectedVersion;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.usageDimensions(orgId, periodKey),
          UpdateExpression: `SET #e = if_not_exists(#e, :e), #v = if_not_exists(#v, :v), #ttl = :ttl, #ver = :next ADD ${adds.join(', ')}`,
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(#ver)' : '#ver = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  listRejected(orgId: string | undefined, options: { limit: number; cursor?: string }): Promise<Page<RejectedUsage>> {
    if (orgId === undefined) return this.listUnknownOrgRejections(options);
    return queryPartitionPage<RejectedUsage>(this.db, this.tableName, keys.usageRejectedPartition(orgId), {
      ...options,
      newestFirst: true,
    });
  }

  /**
   * The unknown-org quarantine, newest first across its shards: each shard is read from the cursor's SK
   * down, `limit` items at most, and the pages are merged by SK (unique: send time, message, position).
   * The cursor is the last SK returned, bound to the logical partition like every other cursor.
   */
  private async listUnknownOrgRejections(options: { limit: number; cursor?: string }): Promise<Page<RejectedUsage>> {
    const logical = keys.usageRejectedPartition(undefined);
    const after = decodeCursor(options.cursor, logical)?.SK as string | undefined;
    const pages = await Promise.all(
      keys.usageRejectedUnknownOrgPartitions().map((pk) =>
        this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: after ? 'PK = :pk AND SK < :after' : 'PK = :pk',
            ExpressionAttributeValues: { ':pk': pk, ...(after ? { ':after': after } : {}) },
            ScanIndexForward: false,
            Limit: options.limit,
          }),
        ),
      ),
    );
    const items = pages
      .flatMap((p) => (p.Items ?? []) as { SK: string; data: RejectedUsage }[])
      .sort((a, b) => (a.SK < b.SK ? 1 : a.SK > b.SK ? -1 : 0));
    const page = items.slice(0, options.limit);
    const more = items.length > options.limit || pages.some((p) => p.LastEvaluatedKey !== undefined);
    const last = page[page.length - 1];
    return {
      data: page.map((i) => i.data),
      nextCursor: more && last ? encodeCursor({ PK: logical, SK: last.SK }) : null,
    };
  }

  /** Every quarantined event of the org, oldest first, a page at a time (the billing export). */
  rejectedAll(orgId: string): AsyncIterable<RejectedUsage> {
    return partitionData<RejectedUsage>(this.db, this.tableName, keys.usageRejectedPartition(orgId));
  }

  /** Late usage per period (for the invoicing capability): cells summed over shards, per stretch. */
  async adjustments(orgId: string): Promise<Map<string, UsageCell[]>> {
    const perPeriod = new Map<string, CellSums>();
    for (const item of await this.queryAll(keys.usageAdjustmentPartition(orgId))) {
      const period = String(item.SK).split('#')[1]!;
      const sums = perPeriod.get(period) ?? new CellSums();
      perPeriod.set(period, sums);
      sums.add(item);
    }
    return new Map([...perPeriod.entries()].map(([p, sums]) => [p, sums.cells()]));
  }
}

/** Sums counter items' cells over shards, keeping each stretch (`termsFrom`) apart. */
class CellSums {
  private readonly byStretch = new Map<string | undefined, Map<string, number>>();

  add(item: Record<string, unknown>): void {
    const stretch = keys.usageStretchOf(String(item.SK));
    const sums = this.byStretch.get(stretch) ?? new Map<string, number>();
    this.byStretch.set(stretch, sums);
    for (const [k, v] of Object.entries(item)) if (k.includes('|')) sums.set(k, (sums.get(k) ?? 0) + Number(v));
  }

  cells(): UsageCell[] {
    const out: UsageCell[] = [];
    for (const [termsFrom, sums] of this.byStretch) {
      for (const [k, q] of sums) {
        const cell = parseCellKey(k, q);
        if (cell) out.push(termsFrom === undefined ? cell : { ...cell, termsFrom });
      }
    }
    return out;
  }
}

/** Everything the entitlement check and budget evaluation need, in one round trip of parallel reads. */
export async function readUsageSnapshot(
  store: DynamoUsageStore,
  orgId: string,
  periodKey: string,
  consistent: boolean,
): Promise<UsageSnapshot> {
  const orgKey = keys.org(orgId);
  const budgetsKey = keys.budgets(orgId);
  const alertsKey = keys.budgetAlerts(orgId, periodKey);
  const [items, totals] = await Promise.all([
    store.batchGet([orgKey, budgetsKey, alertsKey], consistent),
    store.totalItems(orgId, periodKey, consistent),
  ]);
  const find = (k: TableKey) => items.find((i) => i.PK === k.PK && i.SK === k.SK);
  const sent = find(alertsKey)?.sent as Set<string> | undefined;
  return {
    org: (find(orgKey) as { data?: UsageSnapshot['org'] } | undefined)?.data,
    budgets: (find(budgetsKey) as { data?: UsageSnapshot['budgets'] } | undefined)?.data,
    notified: new Set(sent ?? []),
    totals: sumTotals(totals),
  };
}

function sumTotals(items: readonly Record<string, unknown>[]): PeriodUsage {
  const sums = new CellSums();
  let events = 0;
  let lastCountedAt: string | undefined;
  for (const item of items) {
    events += Number(item.events ?? 0);
    const at = item.lastCountedAt as string | undefined;
    if (at && (!lastCountedAt || at > lastCountedAt)) lastCountedAt = at;
    sums.add(item);
  }
  return { cells: sums.cells(), events, ...(lastCountedAt ? { lastCountedAt } : {}) };
}
