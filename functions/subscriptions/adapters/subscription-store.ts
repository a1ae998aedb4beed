import { type DynamoDBDocumentClient, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { BillingStatus } from '../../kernel/billing-status';
import { cancellationReasons, conditionFailureItem } from '../../kernel/dynamo/client';
import { freezeGateCheck, frozenError } from '../../kernel/dynamo/freeze-gate-store';
import { auditPut, getData, item, type StoredItem } from '../../kernel/dynamo/items';
import { keys } from '../../kernel/dynamo/keys';
import { partitionData, queryAllItems, queryItems, queryWorkList } from '../../kernel/dynamo/pagination';
import { conflict } from '../../kernel/errors';
import type { Subscription, SubscriptionEvent, Terms } from '../domain/subscription';
import type { PendingAdjustment, SubscriptionStore, SubscriptionWrite } from '../ports';

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/**
 * The subscription item, its history, the terms timeline and pending adjustment lines. One write is one
 * transaction: the subscription (conditional on the version read), its events, terms segments,
 * adjustment lines and audit entries, plus — on purchase paths — a ConditionCheck that the billing
 * status has no freeze reason, so a freeze recorded concurrently cannot let a purchase through.
 */
export class DynamoSubscriptionStore implements SubscriptionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(orgId: string): Promise<Subscription | undefined> {
    return getData<Subscription>(this.db, this.tableName, keys.subscription(orgId), { consistent: true });
  }

  async commit(write: SubscriptionWrite): Promise<void> {
    const { next, expectedVersion } = write;
    const orgId = next.orgId;
    const due = write.dueAt ? keys.subscriptionDue(orgId, write.dueAt) : {};
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: item('subscription', keys.subscription(orgId), next, { version: next.version, ...due }),
          ...(expectedVersion === null
            ? { ConditionExpression: 'attribute_not_exists(PK)' }
            : {
                ConditionExpression: 'version = :expected',
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        },
      },
    ];
    // The freeze gate, inside the purchase's own transaction (ALL_OLD returns the reasons on failure).
    if (write.purchase) items.push(freezeGateCheck(this.tableName, orgId));
    for (const event of write.events) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: item('subscription_event', keys.subscriptionEvent(orgId, event.id), event),
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      });
    }
    for (const segment of write.termsSegments) {
      const key = keys.termsSegment(orgId, segment.from);
      items.push(
        segment.terms
          ? { Put: { TableName: this.tableName, Item: item('terms', key, { ...segment.terms, from: segment.from }) } }
          : { Delete: { TableName: this.tableName, Key: key } },
      );
    }
    for (const line of write.adjustments) {
      items.push({
        Put: {
          TableName: this.tableName,
          // On the sparse pending index until an invoice bills it (adjustment-ledger.ts).
          Item: item('adjustment', keys.adjustment(orgId, line.id), line, {
            ...keys.adjustmentsPendingIndex(orgId, line.createdAt, line.id),
          }),
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      });
    }
    for (const audit of write.audits) items.push(auditPut(this.tableName, audit));

    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      const failed = (i: number) => reasons[i]?.Code === 'ConditionalCheckFailed';
      if (write.purchase && failed(1)) {
        throw frozenError(await this.freezeReasonsAfterFailure(orgId, reasons[1]?.Item));
      }
      if (failed(0)) {
        throw conflict(
          expectedVersion === null ? 'subscription_exists' : 'conflict',
          expectedVersion === null
            ? 'the org already has an active subscription'
            : 'the subscription was changed concurrently; read it again and retry',
        );
      }
      throw error;
    }
  }

  /** The reasons that stopped a purchase: from the item the check returned (ALL_OLD), else read again. */
  private async freezeReasonsAfterFailure(orgId: string, raw: Record<string, unknown> | undefined) {
    const returned = raw ? conditionFailureItem<StoredItem<BillingStatus>>({ Item: raw })?.data : undefined;
    if (returned) return returned.freezeReasons;
    const status = await getData<BillingStatus>(this.db, this.tableName, keys.billingStatus(orgId), {
      consistent: true,
    });
    return status?.freezeReasons ?? [];
  }

  async history(orgId: string, limit = 100): Promise<SubscriptionEvent[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': keys.subscriptionHistoryPartition(orgId) },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((i) => (i as StoredItem<SubscriptionEvent>).data).reverse();
  }

  /** Every lifecycle event of the org's subscriptions, oldest first, a page at a time (the billing export). */
  events(orgId: string): AsyncIterable<SubscriptionEvent> {
    return partitionData<SubscriptionEvent>(this.db, this.tableName, keys.subscriptionHistoryPartition(orgId));
  }

  /** Every adjustment line of the org, pending or invoiced, oldest first (ids are ULIDs), a page at a time. */
  adjustments(orgId: string): AsyncIterable<PendingAdjustment> {
    return partitionData<PendingAdjustment>(this.db, this.tableName, keys.adjustmentPartition(orgId));
  }

  /** Every pending line, oldest first, from the sparse pending index (all pages). */
  async pendingAdjustments(orgId: string): Promise<PendingAdjustment[]> {
    const items = await queryAllItems(this.db, {
      TableName: this.tableName,
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.adjustmentsPendingPartition(orgId) },
    });
    return items.map((i) => (i as StoredItem<PendingAdjustment>).data).filter((a) => a.status === 'pending');
  }

  /** The terms segment in force at `at` (the newest one starting at or before it). */
  async segmentAt(orgId: string, at: Date): Promise<Terms | undefined> {
    return (await this.segmentsBetween(orgId, at, at))[0];
  }

  async segmentsBetween(orgId: string, from: Date, to: Date): Promise<(Terms & { from: string })[]> {
    const fromIso = from.toISOString();
    const found: (Terms & { from: string })[] = [];
    // Newest first from `to` back to the first segment at or before `from`: usually one or two items.
    const newestFirst = queryItems(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :lowest AND :upTo',
      ExpressionAttributeValues: {
        ':pk': keys.termsPartition(orgId),
        ':lowest': keys.termsFromPrefix,
        ':upTo': keys.termsSegment(orgId, to.toISOString()).SK,
      },
      ScanIndexForward: false,
      ConsistentRead: true,
      // A period rarely has more than a few segments; more pages are read when it does.
      Limit: 4,
    });
    for await (const stored of newestFirst) {
      const segment = (stored as StoredItem<Terms & { from: string }>).data;
      found.push(segment);
      if (segment.from <= fromIso) break;
    }
    return found.reverse();
  }

  /**
   * Orgs whose subscription has a change due at or before `at`, oldest boundary first within each shard
   * (GSI2, sharded: the cursor is opaque and spans the shards; undefined once all are read).
   */
  async dueOrgs(at: Date, limit: number, cursor?: Record<string, unknown>) {
    const page = await queryWorkList(this.db, this.tableName, {
      partitions: keys.subscriptionsDuePartitions,
      upTo: `${at.toISOString()}#\uffff`,
      limit,
      cursor,
    });
    return {
      orgIds: page.items.map((i) => (i as StoredItem<Subscription>).data.orgId),
      cursor: page.cursor,
    };
  }
}
