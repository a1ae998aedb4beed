import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../audit';
import type { BillingStatus } from '../billing-status';
import { conflict } from '../errors';
import type { FreezeReasonStore } from '../freeze-gate';
import { billingStatusReplace } from './billing-status-store';
import { conditionFailedInTransaction } from './client';
import { auditPut } from './items';
import { keys } from './keys';

/**
 * The freeze gate as a transaction item: every purchase path (subscriptions today; contract activation
 * and paid add-ons later) puts this in the SAME TransactWriteItems as its write, so a freeze recorded
 * concurrently cancels the purchase. On failure, the cancellation reason at this item's index carries
 * the billing status (ALL_OLD): map it with `frozenError`.
 */
export function freezeGateCheck(tableName: string, orgId: string) {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: keys.billingStatus(orgId),
      ConditionExpression: 'attribute_exists(PK) AND size(#data.#reasons) = :zero',
      ExpressionAttributeNames: { '#data': 'data', '#reasons': 'freezeReasons' },
      ExpressionAttributeValues: { ':zero': 0 },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    },
  };
}

/** 409 `billing_frozen` with the reasons, the one answer to a purchase the gate stopped. */
export const frozenError = (freezeReasons: readonly string[]) =>
  conflict('billing_frozen', 'new spend is blocked while the org has an open dispute or unpaid invoices', {
    freeze_reasons: freezeReasons,
  });

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
          TransactItems: [billingStatusReplace(this.tableName, next, expectedVersion), auditPut(this.tableName, audit)],
        }),
      );
    } catch (error) {
      if (conditionFailedInTransaction(error, 0)) {
        throw conflict('conflict', `the billing status of ${next.orgId} changed concurrently`);
      }
      throw error;
    }
  }
}
