import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { validation } from '../errors';
import type { Page } from '../ports';

/**
 * Cursors are the DynamoDB LastEvaluatedKey, base64url-encoded. They are opaque to clients, and on the
 * way back in they must name the partition being listed: a cursor from another org's list (or a forged
 * one) is rejected, so a cursor can never be used to read across tenants.
 */
export function encodeCursor(lastKey: Record<string, unknown> | undefined): string | null {
  if (!lastKey) return null;
  return Buffer.from(JSON.stringify(lastKey), 'utf8').toString('base64url');
}

export function decodeCursor(
  cursor: string | undefined,
  expectedPartition: string,
): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw validation('invalid_cursor', 'the cursor is not one this API issued');
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    (parsed as { PK?: unknown }).PK !== expectedPartition ||
    typeof (parsed as { SK?: unknown }).SK !== 'string'
  ) {
    throw validation('invalid_cursor', 'the cursor is not one this API issued for this list');
  }
  return parsed as Record<string, unknown>;
}

/** The Query input for a partition's items, optionally those whose SK begins with `skPrefix`. */
export function partitionQuery(tableName: string, partition: string, skPrefix?: string): QueryCommandInput {
  return {
    TableName: tableName,
    KeyConditionExpression: skPrefix ? 'PK = :pk AND begins_with(SK, :prefix)' : 'PK = :pk',
    ExpressionAttributeValues: { ':pk': partition, ...(skPrefix ? { ':prefix': skPrefix } : {}) },
  };
}

/** One page of a partition, in sort-key order (or reversed), with a tenant-checked cursor. */
export async function queryPartitionPage<T>(
  db: DynamoDBDocumentClient,
  tableName: string,
  partition: string,
  options: { limit: number; cursor?: string; newestFirst?: boolean; skPrefix?: string },
): Promise<Page<T>> {
  const out = await db.send(
    new QueryCommand({
      ...partitionQuery(tableName, partition, options.skPrefix),
      ScanIndexForward: !options.newestFirst,
      Limit: pageQueryLimit(options.limit),
      ExclusiveStartKey: decodeCursor(options.cursor, partition),
    }),
  );
  const page = pageOfQuery(out, options.limit, TABLE_KEY);
  return { data: page.items.map((i) => (i as { data: T }).data), nextCursor: page.nextCursor };
}

/** The key attributes of a table item, and of a GSI1 item (a cursor into an index names both). */
export const TABLE_KEY = ['PK', 'SK'] as const;
export const GSI1_KEY = ['PK', 'SK', 'GSI1PK', 'GSI1SK'] as const;

/** The Query `Limit` for a page of `limit` items: one more, so `pageOfQuery` knows whether any follow. */
export const pageQueryLimit = (limit: number) => limit + 1;

/**
 * A page of at most `limit` items from a Query run with `Limit: pageQueryLimit(limit)`. DynamoDB answers
 * a LastEvaluatedKey whenever it stops at `Limit`, even when nothing follows, so with `Limit: limit` a
 * list of exactly n × limit items ends on an empty page that still carries a cursor. Reading one item
 * more tells "full, and more follow" from "full, and done": the cursor is then the key of the last item
 * returned (`keyAttributes`: the table's and, on an index, the index's), exactly what DynamoDB's own
 * LastEvaluatedKey would have been. A page cut short by the 1 MB read limit keeps DynamoDB's cursor.
 */
export function pageOfQuery(
  out: Pick<QueryCommandOutput, 'Items' | 'LastEvaluatedKey'>,
  limit: number,
  keyAttributes: readonly string[],
): { items: QueriedItem[]; nextCursor: string | null } {
  const items = out.Items ?? [];
  if (items.length <= limit) return { items, nextCursor: encodeCursor(out.LastEvaluatedKey) };
  const page = items.slice(0, limit);
  const last = page[page.length - 1]!;
  return { items: page, nextCursor: encodeCursor(Object.fromEntries(keyAttributes.map((k) => [k, last[k]]))) };
}

/** An item as the document client returns it (values unmarshalled). */
export type QueriedItem = NonNullable<QueryCommandOutput['Items']>[number];

/**
 * Every item a Query matches, reading page after page (DynamoDB stops a page at 1 MB or `Limit`). A
 * generator, so a caller that has what it needs stops early and no further page is read.
 */
export async function* queryItems(db: DynamoDBDocumentClient, input: QueryCommandInput): AsyncGenerator<QueriedItem> {
  let start = input.ExclusiveStartKey;
  do {
    const out = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    for (const item of out.Items ?? []) yield item;
    start = out.LastEvaluatedKey;
  } while (start);
}

/** Every item a Query matches, all pages, in one array. */
export async function queryAllItems(db: DynamoDBDocumentClient, input: QueryCommandInput): Promise<QueriedItem[]> {
  const items: QueriedItem[] = [];
  for await (const item of queryItems(db, input)) items.push(item);
  return items;
}

/**
 * A position in a sharded work list (see `workListPartitions`): which partition, and where in it. Opaque
 * to callers; it is only ever handed back to `queryWorkList`.
 */
export type WorkListCursor = Record<string, unknown>;

/**
 * Due entries of a sharded GSI2 work list (sort key `<ISO instant>#…` up to `upTo`), walking the
 * partitions one after the other from `cursor`, at most `limit` items per call. The cursor spans the
 * shards: undefined once every partition has been read to its end.
 */
export async function queryWorkList(
  db: DynamoDBDocumentClient,
  tableName: string,
  options: { partitions: readonly string[]; upTo: string; limit: number; cursor?: WorkListCursor },
): Promise<{ items: QueriedItem[]; cursor: WorkListCursor | undefined }> {
  const start = options.cursor as { p?: unknown; k?: Record<string, unknown> } | undefined;
  let partition = typeof start?.p === 'number' ? start.p : 0;
  let startKey = start?.k;
  const items: QueriedItem[] = [];
  while (partition < options.partitions.length) {
    const out = await db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'GSI2',
        KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK <= :upTo',
        ExpressionAttributeValues: { ':pk': options.partitions[partition], ':upTo': options.upTo },
        Limit: options.limit - items.length,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(out.Items ?? []));
    startKey = out.LastEvaluatedKey;
    if (!startKey) partition += 1;
    if (items.length >= options.limit) break;
  }
  const cursor =
    partition < options.partitions.length ? { p: partition, ...(startKey ? { k: startKey } : {}) } : undefined;
  return { items, cursor };
}

/** A work-list cursor as an opaque string, for ports whose callers hold cursors as strings. */
export const workListCursorString = (cursor: WorkListCursor): string =>
  Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');

/** The cursor `workListCursorString` wrote; `invalid_cursor` (400) for anything else, naming `what`. */
export function workListCursorFrom(cursor: string | undefined, what: string): WorkListCursor | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { p?: unknown };
    if (Number.isInteger(parsed.p) && (parsed.p as number) >= 0) return parsed;
  } catch {
    // fall through
  }
  throw validation('invalid_cursor', `not ${what}`);
}

/**
 * The `data` of every item in a partition (optionally those whose SK starts with `skPrefix`), in sort-key
 * order, page by page: constant memory whatever the partition holds. `pageSize` bounds each Query.
 */
export async function* partitionData<T>(
  db: DynamoDBDocumentClient,
  tableName: string,
  partition: string,
  options: { skPrefix?: string; newestFirst?: boolean; pageSize?: number; consistent?: boolean } = {},
): AsyncGenerator<T> {
  for await (const item of queryItems(db, {
    ...partitionQuery(tableName, partition, options.skPrefix),
    ScanIndexForward: !options.newestFirst,
    Limit: options.pageSize ?? 500,
    ...(options.consistent ? { ConsistentRead: true } : {}),
  })) {
    yield (item as { data: T }).data;
  }
}
