import { keys } from '../../kernel/dynamo/keys';
import type { TransactionPart } from '../../kernel/ports';
import type { AdjustmentLedger, PendingAdjustment, SubscriptionStore } from '../ports';

/**
 * The adjustment lines as invoicing consumes them. Marking a line invoiced is an Update for the
 * invoice's own transaction: conditional on the line still being pending (so two invoices can never
 * both bill it), and removing it from the sparse pending index.
 */
export class DynamoAdjustmentLedger implements AdjustmentLedger {
  constructor(
    private readonly store: Pick<SubscriptionStore, 'pendingAdjustments'>,
    private readonly tableName: string,
  ) {}

  pending(orgId: string): Promise<PendingAdjustment[]> {
    return this.store.pendingAdjustments(orgId);
  }

  markInvoiced(adjustments: readonly PendingAdjustment[], invoiceId: string, at: string): TransactionPart[] {
    return adjustments.map((a) => ({
      dynamodb: {
        Update: {
          TableName: this.tableName,
          Key: keys.adjustment(a.orgId, a.id),
          UpdateExpression:
            'SET #data.#status = :invoiced, #data.#invoiceId = :invoice, #data.#invoicedAt = :at REMOVE GSI1PK, GSI1SK',
          ConditionExpression: '#data.#status = :pending',
          ExpressionAttributeNames: {
            '#data': 'data',
            '#status': 'status',
            '#invoiceId': 'invoiceId',
            '#invoicedAt': 'invoicedAt',
          },
          ExpressionAttributeValues: {
            ':invoiced': 'invoiced',
            ':pending': 'pending',
            ':invoice': invoiceId,
            ':at': at,
          },
        },
      },
    }));
  }
}
