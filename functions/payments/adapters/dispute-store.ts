import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../kernel/audit';
import type { BillingStatus } from '../../kernel/billing-status';
import { billingStatusReplace } from '../../kernel/dynamo/billing-status-store';
import { cancellationReasons } from '../../kernel/dynamo/client';
import { auditPut, getData, item } from '../../kernel/dynamo/items';
import { keys } from '../../kernel/dynamo/keys';
import { partitionData } from '../../kernel/dynamo/pagination';
import type { InboxOutcome } from '../app/stripe-events';
import type { DisputeRecord } from '../domain/payments';
import { finishUpdate } from './stripe-event-inbox';

export type DisputeWriteResult = 'applied' | 'conflict' | 'already_handled';

export interface DisputeWrite {
  readonly record: DisputeRecord;
  /** The record's `observedAt` as read before planning; undefined when there was no record. */
  readonly expectedObservedAt: string | undefined;
  /** The billing status to write (freeze reasons, dispute list), if it changes, and the version read. */
  readonly billingStatus?: { readonly next: BillingStatus; readonly expectedVersion: number };
  readonly audits: readonly AuditEntry[];
  readonly inbox?: { eventId: string; outcome: InboxOutcome; now: Date };
}

/**
 * Disputes: one record per dispute under the org, Stripe's latest view. The record, the billing status
 * (freeze reason `dispute:<id>` and the dispute list), the audit entries and the inbox record commit in
 * ONE transaction: a dispute can never be recorded open without freezing, or closed without unfreezing.
 * The billing status write is conditional on its version, like every freeze-gate transition.
 */
export class DynamoDisputeStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(orgId: string, disputeId: string): Promise<DisputeRecord | undefined> {
    return getData<DisputeRecord>(this.db, this.tableName, keys.dispute(orgId, disputeId), { consistent: true });
  }

  /** Every dispute of the org, open or closed (by id), a page at a time. */
  all(orgId: string): AsyncIterable<DisputeRecord> {
    return partitionData<DisputeRecord>(this.db, this.tableName, keys.org(orgId).PK, { skPrefix: keys.disputePrefix });
  }

  async apply(write: DisputeWrite): Promise<DisputeWriteResult> {
    const { record } = write;
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...item('dispute', keys.dispute(record.orgId, record.id), record), observedAt: record.observedAt },
          // Optimistic concurrency: the plan (freeze, audit, "just lost") was made against the record as
          // read; if anything wrote it since, the caller reads again and plans again. Together with the
          // planner's "observed later wins" rule, state only moves forward.
          ...(write.expectedObservedAt === undefined
            ? { ConditionExpression: 'attribute_not_exists(PK)' }
            : {
                ConditionExpression: 'observedAt = :expected',
                ExpressionAttributeValues: { ':expected': write.expectedObservedAt },
              }),
        },
      },
    ];
    if (write.billingStatus) {
      const { next, expectedVersion } = write.billingStatus;
      items.push(billingStatusReplace(this.tableName, next, expectedVersion));
    }
    for (const audit of write.audits) items.push(auditPut(this.tableName, audit));
    if (write.inbox)
      items.push({ Update: finishUpdate(this.tableName, write.inbox.eventId, write.inbox.outcome, write.inbox.now) });
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
      return 'applied';
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      const failed = (i: number) => reasons[i]?.Code === 'ConditionalCheckFailed';
      if (write.inbox && failed(items.length - 1)) return 'already_handled';
      if (failed(0) || (write.billingStatus && failed(1))) return 'conflict';
      throw error;
    }
  }
}
