import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../kernel/audit';
import { keys } from '../../kernel/dynamo/keys';
import { queryPartitionPage } from '../../kernel/dynamo/pagination';
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
}
