import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../kernel/audit';
import { cancellationReasons } from '../../kernel/dynamo/client';
import { auditPut, item, type StoredItem } from '../../kernel/dynamo/items';
import { keys } from '../../kernel/dynamo/keys';
import { partitionQuery, queryAllItems } from '../../kernel/dynamo/pagination';
import type { InboxOutcome } from '../app/stripe-events';
import type { PaymentMethodMirror } from '../domain/payment-method';
import type { MirrorPlan } from '../domain/payments';
import type { PaymentMethodReader } from '../ports';
import { finishUpdate } from './stripe-event-inbox';

export type MirrorWriteResult = 'applied' | 'conflict' | 'already_handled';

/**
 * The payment-method mirror: one item per attached method under the org, written only by the
 * reconciler. A sync is one transaction: the watermark move on the org's Stripe-customer item (only
 * forward, and only from the value the plan was made against), the upserts and deletes, the audit entry, and the inbox record of the event that caused it.
 */
export class DynamoPaymentMethodStore implements PaymentMethodReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async list(orgId: string): Promise<PaymentMethodMirror[]> {
    const items = await queryAllItems(this.db, {
      ...partitionQuery(this.tableName, keys.org(orgId).PK, keys.paymentMethodPrefix),
      ConsistentRead: true,
    });
    const methods = items.map((i) => (i as StoredItem<PaymentMethodMirror>).data);
    return methods.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  }

  async apply(
    orgId: string,
    plan: MirrorPlan,
    observedAt: string,
    expectedWatermark: string | undefined,
    audit: AuditEntry | undefined,
    inbox: { eventId: string; outcome: InboxOutcome; now: Date } | undefined,
  ): Promise<MirrorWriteResult> {
    const items = [
      {
        Update: {
          TableName: this.tableName,
          Key: keys.stripeCustomer(orgId),
          UpdateExpression: 'SET paymentMethodsObservedAt = :obs',
          // Optimistic concurrency on the watermark read before planning: the plan's deletes were computed
          // from the mirror as it was then, so any sync in between invalidates it (the caller plans again).
          ConditionExpression:
            expectedWatermark === undefined
              ? 'attribute_exists(PK) AND attribute_not_exists(paymentMethodsObservedAt)'
              : 'attribute_exists(PK) AND paymentMethodsObservedAt = :expected AND :expected <= :obs',
          ExpressionAttributeValues: {
            ':obs': observedAt,
            ...(expectedWatermark === undefined ? {} : { ':expected': expectedWatermark }),
          },
        },
      },
      ...plan.upserts.map((m) => ({
        Put: { TableName: this.tableName, Item: item('payment_method', keys.paymentMethod(orgId, m.id), m) },
      })),
      ...plan.deletes.map((id) => ({ Delete: { TableName: this.tableName, Key: keys.paymentMethod(orgId, id) } })),
      ...(audit ? [auditPut(this.tableName, audit)] : []),
      ...(inbox ? [{ Update: finishUpdate(this.tableName, inbox.eventId, inbox.outcome, inbox.now) }] : []),
    ];
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
      return 'applied';
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      if (inbox && reasons[items.length - 1]?.Code === 'ConditionalCheckFailed') return 'already_handled';
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'conflict';
      throw error;
    }
  }
}
