import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../kernel/audit';
import { keys } from '../../kernel/dynamo/keys';
import { partitionData, queryPartitionPage } from '../../kernel/dynamo/pagination';
import type { ListOptions, Page } from '../../kernel/ports';
import type { AuditLog } from '../ports';

/** Audit entries are written by each store inside its own transaction (items.auditPut); this only reads. */
export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  list(orgId: string, options: ListOptions): Promise<Page<AuditEntry>> {
    return queryPartitionPage(this.db, this.tableName, keys.auditPartition(orgId), { ...options, newestFirst: true });
  }

  /** The whole trail, oldest first, a page at a time (the billing export). */
  all(orgId: string): AsyncIterable<AuditEntry> {
    return partitionData<AuditEntry>(this.db, this.tableName, keys.auditPartition(orgId), { pageSize: 1000 });
  }

  /** Whether an entry was written after the ULID `mark` (ids are ULIDs of the writer's time): one small read. */
  async writtenAfter(orgId: string, mark: string): Promise<boolean> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND SK > :mark',
        ExpressionAttributeValues: { ':pk': keys.auditPartition(orgId), ':mark': keys.audit(orgId, mark).SK },
        ConsistentRead: true,
        Limit: 1,
        ProjectionExpression: 'PK',
      }),
    );
    return (out.Items ?? []).length > 0;
  }
}
