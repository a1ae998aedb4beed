import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { conditionFailureItem, isConditionalCheckFailed } from '../../kernel/dynamo/client';
import { item, type StoredItem } from '../../kernel/dynamo/items';
import { keys } from '../../kernel/dynamo/keys';
import type { StripeCustomerStore } from '../ports';

export interface StripeCustomerLink {
  readonly orgId: string;
  readonly customerId: string;
  /** Watermark of the payment-method mirror: when the re-read it reflects began (see payments.ts). */
  readonly paymentMethodsObservedAt?: string;
}

export class DynamoStripeCustomerStore implements StripeCustomerStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getLink(orgId: string): Promise<StripeCustomerLink | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.stripeCustomer(orgId), ConsistentRead: true }),
    );
    const stored = out.Item as (StoredItem<StripeCustomerLink> & { paymentMethodsObservedAt?: string }) | undefined;
    if (!stored) return undefined;
    return {
      ...stored.data,
      ...(stored.paymentMethodsObservedAt ? { paymentMethodsObservedAt: stored.paymentMethodsObservedAt } : {}),
    };
  }

  async customerOf(orgId: string): Promise<string | undefined> {
    return (await this.getLink(orgId))?.customerId;
  }

  async orgOf(customerId: string): Promise<string | undefined> {
    const lookup = keys.stripeCustomerLookup(customerId);
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk AND GSI1SK = :sk',
        ExpressionAttributeValues: { ':pk': lookup.GSI1PK, ':sk': lookup.GSI1SK },
        Limit: 1,
      }),
    );
    return (out.Items?.[0] as StoredItem<StripeCustomerLink> | undefined)?.data.orgId;
  }

  async link(orgId: string, customerId: string): Promise<string> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item(
            'stripe_customer',
            keys.stripeCustomer(orgId),
            { orgId, customerId },
            keys.stripeCustomerLookup(customerId),
          ),
          ConditionExpression: 'attribute_not_exists(PK)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return customerId;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const existing = conditionFailureItem<StoredItem<StripeCustomerLink>>(error);
      if (!existing) throw error;
      return existing.data.customerId;
    }
  }
}
