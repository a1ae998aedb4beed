import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { FreezeReasonStore } from '../../app/freeze-gate';
import type { AuditEntry } from '../../domain/audit';
import type { BillingStatus } from '../../domain/billing-status';
import { conflict } from '../../domain/errors';
import { cancellationReasons } from './client';
import { auditPut } from './items';
import { keys } from './keys';

/**
 * Writes the billing status's freeze reasons, conditional on the version read, with the audit entry in
 * the same transaction. Purchases ConditionCheck this same item, so once this commits no purchase can.
 */
export class DynamoFreezeReasonStore implements FreezeReasonStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async replace(next: BillingStatus, expectedVersion: number, audit: AuditEntry): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.billingStatus(next.orgId),
                UpdateExpression: 'SET #data = :data, version = :next',
                ConditionExpression: 'version = :expected',
                ExpressionAttributeNames: { '#data': 'data' },
                ExpressionAttributeValues: { ':data': next, ':next': next.version, ':expected': expectedVersion },
              },
            },
            auditPut(this.tableName, audit),
          ],
        }),
      );
    } catch (error) {
      if (cancellationReasons(error)?.[0]?.Code === 'ConditionalCheckFailed') {
        throw conflict('conflict', `the billing status of ${next.orgId} changed concurrently`);
      }
      throw error;
    }
  }
}
