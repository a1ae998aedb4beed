import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { PaymentMethodCheck } from '../../app/ports';
import { keys } from './keys';

/**
 * Reads the payment-method mirror (written by the payments reconciler) for a default method. A strongly
 * consistent query with a filter: an org has a handful of methods, so this reads one small page.
 */
export class DynamoPaymentMethodCheck implements PaymentMethodCheck {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async hasDefaultPaymentMethod(orgId: string): Promise<boolean> {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          FilterExpression: '#data.isDefault = :yes',
          ExpressionAttributeNames: { '#data': 'data' },
          ExpressionAttributeValues: { ':pk': keys.org(orgId).PK, ':prefix': keys.paymentMethodPrefix, ':yes': true },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      if ((out.Items ?? []).length > 0) return true;
      start = out.LastEvaluatedKey;
    } while (start);
    return false;
  }
}
