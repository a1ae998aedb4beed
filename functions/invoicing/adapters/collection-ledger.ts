import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { cancellationReasons } from '../../kernel/dynamo/client';
import { auditPut, type StoredItem } from '../../kernel/dynamo/items';
import { keys } from '../../kernel/dynamo/keys';
import { queryAllItems, queryWorkList, workListCursorFrom, workListCursorString } from '../../kernel/dynamo/pagination';
import type { Page } from '../../kernel/ports';
import type { Invoice, InvoiceStatus } from '../domain/invoice';
import type { CollectionDue, CollectionLedger, CollectionQueue, CollectionWrite } from '../ports';
import { DynamoInvoiceStore } from './invoice-store';

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/**
 * The invoice item as the collection capability changes it: one UpdateItem of the whole document,
 * conditional on the item's `version` (invoices finalized before collection existed have none: 0), with
 * the status index (GSI1) and the work list (GSI2) moved in the same write.
 */
export class DynamoCollectionLedger implements CollectionLedger {
  private readonly invoices: DynamoInvoiceStore;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.invoices = new DynamoInvoiceStore(db, tableName);
  }

  async get(orgId: string, invoiceId: string) {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.invoice(orgId, invoiceId), ConsistentRead: true }),
    );
    const stored = out.Item as StoredItem<Invoice> | undefined;
    return stored ? { invoice: stored.data, version: stored.version ?? 0 } : undefined;
  }

  async due(queue: CollectionQueue, upTo: Date, limit: number, cursor?: string) {
    const page = await queryWorkList(this.db, this.tableName, {
      partitions: Array.from({ length: keys.periodCloseShards }, (_, s) => keys.collectionDuePartition(queue, s)),
      upTo: `${upTo.toISOString()}#\uffff`,
      limit,
      cursor: workListCursorFrom(cursor, 'a collection cursor'),
    });
    const due: CollectionDue[] = page.items.map((raw) => {
      const stored = raw as StoredItem<Invoice>;
      return { orgId: stored.data.orgId, invoiceId: stored.data.id, at: String(stored.GSI2SK).split('#')[0]! };
    });
    return page.cursor ? { due, cursor: workListCursorString(page.cursor) } : { due };
  }

  async inStatus(orgId: string, status: Exclude<InvoiceStatus, 'preview'>): Promise<Invoice[]> {
    const items = await queryAllItems(this.db, {
      TableName: this.tableName,
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.invoiceStatusPartition(orgId, status) },
    });
    return items.map((i) => (i as StoredItem<Invoice>).data);
  }

  page(orgId: string, limit: number, cursor?: string): Promise<Page<Invoice>> {
    return this.invoices.list(orgId, { limit, ...(cursor ? { cursor } : {}) });
  }

  async update(write: CollectionWrite): Promise<'applied' | 'conflict' | 'part_failed'> {
    const { next } = write;
    const status = keys.invoiceStatusIndex(next.orgId, next.status, next.id);
    const values: Record<string, unknown> = {
      ':data': next,
      ':next': write.expectedVersion + 1,
      ':gsi1pk': status.GSI1PK,
      ':gsi1sk': status.GSI1SK,
      ':draft': 'draft',
    };
    let queue = 'REMOVE GSI2PK, GSI2SK';
    if (write.queue) {
      const due = keys.collectionDue(
        write.queue.name,
        next.orgId,
        next.id,
        write.queue.at,
        keys.periodCloseShardOf(next.orgId),
      );
      values[':gsi2pk'] = due.GSI2PK;
      values[':gsi2sk'] = due.GSI2SK;
      queue = '';
    }
    if (write.expectedVersion > 0) values[':expected'] = write.expectedVersion;
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: keys.invoice(next.orgId, next.id),
          UpdateExpression: `SET #data = :data, version = :next, GSI1PK = :gsi1pk, GSI1SK = :gsi1sk${
            write.queue ? ', GSI2PK = :gsi2pk, GSI2SK = :gsi2sk' : ''
          } ${queue}`.trim(),
          ConditionExpression: `attribute_exists(PK) AND #data.#status <> :draft AND ${
            write.expectedVersion > 0 ? 'version = :expected' : 'attribute_not_exists(version)'
          }`,
          ExpressionAttributeNames: { '#data': 'data', '#status': 'status' },
          ExpressionAttributeValues: values,
        },
      },
      ...write.audits.map((a) => auditPut(this.tableName, a)),
      ...write.parts.map((p) => p.dynamodb as TransactItem),
    ];
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
      return 'applied';
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'conflict';
      const partsFrom = 1 + write.audits.length;
      if (reasons.slice(partsFrom).some((r) => r?.Code === 'ConditionalCheckFailed')) return 'part_failed';
      throw error;
    }
  }
}
