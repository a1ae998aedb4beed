import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BillingStatus } from '../billing-status';
import type { BillingStatusReader } from '../ports';
import { getData } from './items';
import { keys } from './keys';

export class DynamoBillingStatusStore implements BillingStatusReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(orgId: string): Promise<BillingStatus | undefined> {
    return getData<BillingStatus>(this.db, this.tableName, keys.billingStatus(orgId));
  }
}

/**
 * The one write of the billing-status item, for use inside a transaction: `data` replaced whole,
 * conditional on the version read. Freeze reasons, disputes and dunning all go through it, and
 * purchases ConditionCheck the same item, so every change to the freeze set is serialized.
 * `extra` adds clauses for index attributes (e.g. the dunning due list).
 */
export function billingStatusReplace(
  tableName: string,
  next: BillingStatus,
  expectedVersion: number,
  extra: { set?: string; remove?: string; values?: Record<string, unknown> } = {},
) {
  return {
    Update: {
      TableName: tableName,
      Key: keys.billingStatus(next.orgId),
      UpdateExpression: `SET #data = :data, version = :next${extra.set ? `, ${extra.set}` : ''}${extra.remove ? ` REMOVE ${extra.remove}` : ''}`,
      ConditionExpression: 'version = :expected',
      ExpressionAttributeNames: { '#data': 'data' },
      ExpressionAttributeValues: {
        ':data': next,
        ':next': next.version,
        ':expected': expectedVersion,
        ...extra.values,
      },
    },
  };
}
