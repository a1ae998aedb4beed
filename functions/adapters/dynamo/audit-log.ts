import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditLog, ListOptions, Page } from '../../app/ports';
import type { AuditEntry } from '../../domain/audit';
import { keys } from './keys';
import { queryPartitionPage } from './pagination';

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
