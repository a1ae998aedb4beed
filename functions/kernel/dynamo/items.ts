import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../audit';
import { ITEM_SCHEMA_VERSION, keys, type TableKey } from './keys';

/**
 * Item shapes: every item carries `entity` and a schema version `v`, so a reader can tell what it holds
 * and migrations can find old shapes. Domain objects are stored under `data` to keep key/index
 * attributes apart from the payload.
 */
export interface StoredItem<T> extends TableKey {
  entity: string;
  v: number;
  data: T;
  version?: number;
  /** Optimistic concurrency of records whose `version` means something else (contract versions). */
  revision?: number;
  expiresAt?: number;
  GSI1PK?: string;
  GSI1SK?: string;
  GSI2PK?: string;
  GSI2SK?: string;
}

export function item<T>(entity: string, key: TableKey, data: T, extra: Partial<StoredItem<T>> = {}): StoredItem<T> {
  return { ...key, entity, v: ITEM_SCHEMA_VERSION, data, ...extra };
}

/** The Put of an audit entry, for use inside the transaction of the change it records. */
export function auditPut(tableName: string, entry: AuditEntry) {
  return {
    Put: {
      TableName: tableName,
      Item: item('audit', keys.audit(entry.orgId, entry.id), entry),
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
}

/** The domain object stored under `key` (its `data`), or undefined. `consistent` for read-before-write. */
export async function getData<T>(
  db: DynamoDBDocumentClient,
  tableName: string,
  key: TableKey,
  options: { consistent?: boolean } = {},
): Promise<T | undefined> {
  const out = await db.send(
    new GetCommand({ TableName: tableName, Key: key, ...(options.consistent ? { ConsistentRead: true } : {}) }),
  );
  return (out.Item as StoredItem<T> | undefined)?.data;
}
