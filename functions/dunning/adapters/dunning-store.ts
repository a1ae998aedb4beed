import { type DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../kernel/audit';
import type { BillingStatus } from '../../kernel/billing-status';
import { billingStatusReplace } from '../../kernel/dynamo/billing-status-store';
import { conditionFailedInTransaction, isConditionalCheckFailed } from '../../kernel/dynamo/client';
import { auditPut } from '../../kernel/dynamo/items';
import { keys } from '../../kernel/dynamo/keys';
import { queryWorkList } from '../../kernel/dynamo/pagination';
import { conflict } from '../../kernel/errors';
import type { DunningStore } from '../ports';

/**
 * Dunning transitions on the billing-status item: a conditional write on the version read, with the
 * audit entry in the same transaction. While a state has a deadline the item sits on GSI2 under
 * `DUNNING_DUE#<shard>` sorted by that deadline, so the schedule reads only the orgs whose time has come.
 */
export class DynamoDunningStore implements DunningStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async dueOrgs(nowIso: string, limit: number): Promise<string[]> {
    return (await this.dueOrgsPage(nowIso, limit)).orgIds;
  }

  /** One page of the due list across its shards; the cursor is opaque and spans them. */
  async dueOrgsPage(nowIso: string, limit: number, cursor?: Record<string, unknown>) {
    const page = await queryWorkList(this.db, this.tableName, {
      partitions: keys.dunningDuePartitions,
      upTo: `${nowIso}#~`,
      limit,
      cursor,
    });
    return { orgIds: page.items.map((i) => (i as { data: BillingStatus }).data.orgId), cursor: page.cursor };
  }

  async settleDue(orgId: string, version: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.billingStatus(orgId),
          UpdateExpression: 'REMOVE GSI2PK, GSI2SK',
          // Only the state the follow-up was done for: a newer one keeps its own place on the list.
          ConditionExpression: 'version = :v',
          ExpressionAttributeValues: { ':v': version },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async apply(next: BillingStatus, expectedVersion: number, deadline: string | null, audit: AuditEntry): Promise<void> {
    const dueKey = deadline ? keys.dunningDue(next.orgId, deadline) : undefined;
    const due = dueKey
      ? { set: 'GSI2PK = :duePk, GSI2SK = :dueSk', values: { ':duePk': dueKey.GSI2PK, ':dueSk': dueKey.GSI2SK } }
      : { remove: 'GSI2PK, GSI2SK' };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            billingStatusReplace(this.tableName, next, expectedVersion, due),
            auditPut(this.tableName, audit),
          ],
        }),
      );
    } catch (error) {
      if (conditionFailedInTransaction(error, 0)) {
        throw conflict('conflict', `billing status of ${next.orgId} changed concurrently`);
      }
      throw error;
    }
  }
}
