import { type DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../kernel/audit';
import { addDays, epochSeconds } from '../../kernel/clock';
import { conditionFailedInTransaction } from '../../kernel/dynamo/client';
import { auditPut, getData, item } from '../../kernel/dynamo/items';
import { keys } from '../../kernel/dynamo/keys';
import { partitionQuery, queryItems } from '../../kernel/dynamo/pagination';
import { conflict } from '../../kernel/errors';
import { periodByKey } from '../../kernel/period';
import type { BudgetSet } from '../domain/budgets';
import type { BudgetStore } from '../ports';

/** The org's budget list (one versioned item) and the per-period record of thresholds already notified. */
export class DynamoBudgetStore implements BudgetStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(orgId: string): Promise<BudgetSet | undefined> {
    return getData<BudgetSet>(this.db, this.tableName, keys.budgets(orgId));
  }

  /** Replaces the list if it is still at `expectedVersion` (0 = none yet), with its audit entry. */
  async replace(orgId: string, next: BudgetSet, expectedVersion: number, audit: AuditEntry): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: item('budgets', keys.budgets(orgId), next, { version: next.version }),
                ...(expectedVersion === 0
                  ? { ConditionExpression: 'attribute_not_exists(PK)' }
                  : {
                      ConditionExpression: 'version = :expected',
                      ExpressionAttributeValues: { ':expected': expectedVersion },
                    }),
              },
            },
            auditPut(this.tableName, audit),
          ],
        }),
      );
    } catch (error) {
      if (conditionFailedInTransaction(error)) {
        throw conflict('conflict', 'the budgets were changed concurrently; read them again and retry');
      }
      throw error;
    }
  }

  /** Per period, the alerts (`<budget>:<threshold>`) already notified, oldest period first. */
  async notified(orgId: string): Promise<{ periodKey: string; alertIds: string[] }[]> {
    const out: { periodKey: string; alertIds: string[] }[] = [];
    const prefix = keys.budgetAlerts(orgId, '').SK;
    for await (const item of queryItems(this.db, partitionQuery(this.tableName, keys.org(orgId).PK, prefix))) {
      const sent = item.sent as Set<string> | undefined;
      out.push({ periodKey: String(item.SK).slice(prefix.length), alertIds: [...(sent ?? [])].sort() });
    }
    return out;
  }

  /** Records that thresholds were notified in a period (a string set; adding twice is a no-op). */
  async markNotified(orgId: string, periodKey: string, alertIds: readonly string[]): Promise<void> {
    if (alertIds.length === 0) return;
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.budgetAlerts(orgId, periodKey),
        UpdateExpression: 'SET entity = :e, v = :v, expiresAt = :ttl ADD sent :ids',
        ExpressionAttributeValues: {
          ':e': 'budget_alerts',
          ':v': 1,
          ':ttl': epochSeconds(addDays(periodByKey(periodKey).end, 400)),
          ':ids': new Set(alertIds),
        },
      }),
    );
  }
}
