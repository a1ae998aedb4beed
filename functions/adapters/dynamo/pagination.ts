import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Page } from '../../app/ports';
import { validation } from '../../domain/errors';

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

/** One page of a partition, in sort-key order (or reversed), with a tenant-checked cursor. */
export async function queryPartitionPage<T>(
  db: DynamoDBDocumentClient,
  tableName: string,
  partition: string,
  options: { limit: number; cursor?: string; newestFirst?: boolean; skPrefix?: string },
): Promise<Page<T>> {
  const out = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: options.skPrefix ? 'PK = :pk AND begins_with(SK, :prefix)' : 'PK = :pk',
      ExpressionAttributeValues: { ':pk': partition, ...(options.skPrefix ? { ':prefix': options.skPrefix } : {}) },
      ScanIndexForward: !options.newestFirst,
      Limit: options.limit,
      ExclusiveStartKey: decodeCursor(options.cursor, partition),
    }),
  );
  return {
    data: (out.Items ?? []).map((i) => (i as { data: T }).data),
    nextCursor: encodeCursor(out.LastEvaluatedKey),
  };
}
