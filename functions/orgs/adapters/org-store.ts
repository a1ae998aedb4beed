import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../kernel/audit';
import type { BillingStatus } from '../../kernel/billing-status';
import { conditionFailedInTransaction } from '../../kernel/dynamo/client';
import { auditPut, getData, item } from '../../kernel/dynamo/items';
import { keys } from '../../kernel/dynamo/keys';
import { conflict } from '../../kernel/errors';
import type { Org } from '../../kernel/org';
import { periodOf } from '../../kernel/period';
import type { OrgStore } from '../ports';
import { billingCalendarPut } from './billing-calendar';

export class DynamoOrgStore implements OrgStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(orgId: string, options: { consistent?: boolean } = {}): Promise<Org | undefined> {
    return getData<Org>(this.db, this.tableName, keys.org(orgId), options);
  }

  async create(org: Org, status: BillingStatus, audit: AuditEntry): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: item('org', keys.org(org.id), org, { version: org.version }),
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: item('billing_status', keys.billingStatus(org.id), status, { version: status.version }),
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            // Every org is on the billing calendar from its first period, so no period close can miss it.
            billingCalendarPut(this.tableName, org.id, periodOf(new Date(org.createdAt)).end.toISOString()),
            auditPut(this.tableName, audit),
          ],
        }),
      );
    } catch (error) {
      if (conditionFailedInTransaction(error)) {
        throw conflict('org_exists', `organization ${org.id} already exists`);
      }
      throw error;
    }
  }

  async update(org: Org, expectedVersion: number, audit: AuditEntry): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: item('org', keys.org(org.id), org, { version: org.version }),
                ConditionExpression: 'version = :expected',
                ExpressionAttributeValues: { ':expected': expectedVersion },
              },
            },
            auditPut(this.tableName, audit),
          ],
        }),
      );
    } catch (error) {
      if (conditionFailedInTransaction(error)) {
        throw conflict('conflict', `organization ${org.id} was changed concurrently; retry`);
      }
      throw error;
    }
  }
}
