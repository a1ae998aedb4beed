import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../kernel/dynamo/keys';
import { partitionQuery, queryItems } from '../../kernel/dynamo/pagination';
import type { PaymentMethodCheck } from '../ports';

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
    const query = partitionQuery(this.tableName, keys.org(orgId).PK, keys.paymentMethodPrefix);
    const defaults = queryItems(this.db, {
      ...query,
      FilterExpression: '#data.isDefault = :yes',
      ExpressionAttributeNames: { '#data': 'data' },
      ExpressionAttributeValues: { ...query.ExpressionAttributeValues, ':yes': true },
      ConsistentRead: true,
    });
    for await (const _found of defaults) return true;
    return false;
  }
}
