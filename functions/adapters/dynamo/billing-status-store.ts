import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { BillingStatusReader } from '../../app/ports';
import type { BillingStatus } from '../../domain/billing-status';
import type { StoredItem } from './items';
import { keys } from './keys';

export class DynamoBillingStatusStore implements BillingStatusReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(orgId: string): Promise<BillingStatus | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.billingStatus(orgId) }));
    return (out.Item as StoredItem<BillingStatus> | undefined)?.data;
  }
}
