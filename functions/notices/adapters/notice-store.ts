import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../kernel/audit';
import type { Clock } from '../../kernel/clock';
import {
  conditionFailedInTransaction,
  conditionFailureItem,
  isConditionalCheckFailed,
} from '../../kernel/dynamo/client';
import { auditPut, getData, item, type StoredItem } from '../../kernel/dynamo/items';
import { keys } from '../../kernel/dynamo/keys';
import {
  decodeCursor,
  encodeCursor,
  partitionQuery,
  queryAllItems,
  queryPartitionPage,
} from '../../kernel/dynamo/pagination';
import { notFound } from '../../kernel/errors';
import type { IdGenerator, ListOptions, Page } from '../../kernel/ports';
import type { Contact, Delivery, Notice } from '../domain/notices';
import type { ContactStore, NoticeDeliveryStore, NoticeOutbox, NoticeRequest } from '../ports';

/** Notice causes and their markers outlive every retry window (Stripe: 3 days, SQS: 14). */
const CAUSE_TTL_SECONDS = 400 * 86_400;

/**
 * Contacts, the notice outbox and per-recipient deliveries. A notice is recorded once per (org, cause)
 * — its cause marker and the notice commit in one transaction — so a retried job or a redelivered
 * batch never records it twice; each (notice, contact) delivery is claimed with a conditional put
 * before the message is sent, so a retried delivery run never mails a contact twice.
 */
export class DynamoNoticeStore implements NoticeOutbox, NoticeDeliveryStore, ContactStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  async enqueue(request: NoticeRequest): Promise<boolean> {
    const now = this.clock.now();
    const notice: Notice = { id: this.ids.next('ntc'), createdAt: now.toISOString(), ...request };
    const expiresAt = Math.floor(now.getTime() / 1000) + CAUSE_TTL_SECONDS;
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...keys.noticeCause(request.orgId, request.cause),
                  entity: 'notice_cause',
                  v: 1,
                  noticeId: notice.id,
                  expiresAt,
                },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: item('notice', keys.notice(request.orgId, notice.id), notice, {
                  ...keys.noticesPendingIndex,
                  GSI2SK: `${notice.createdAt}#${request.orgId}#${notice.id}`,
                }),
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailedInTransaction(error, 0)) return false;
      throw error;
    }
  }

  /** Notices not yet delivered to everyone, oldest first, across orgs (GSI2). */
  async pending(limit: number): Promise<Notice[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'GSI2',
        KeyConditionExpression: 'GSI2PK = :pk',
        ExpressionAttributeValues: { ':pk': keys.noticesPendingIndex.GSI2PK },
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((i) => (i as StoredItem<Notice>).data);
  }

  async deliveries(orgId: string, noticeId: string): Promise<Delivery[]> {
    const items = await queryAllItems(
      this.db,
      partitionQuery(this.tableName, keys.noticePartition(orgId), keys.deliveryPrefix(noticeId)),
    );
    return items.map((i) => (i as StoredItem<Delivery>).data);
  }

  /**
   * Claims the (notice, contact) delivery. Returns false when it was already sent, or is being sent by
   * another run that claimed it less than `staleAfterMs` ago; a claim older than that (a run that died
   * between claiming and marking sent) may be taken over, which is the one case a message can repeat.
   */
  async claimDelivery(
    delivery: Omit<Delivery, 'status' | 'claimedAt'>,
    staleAfterMs: number,
  ): Promise<'claimed' | 'sent' | 'busy'> {
    const now = this.clock.now();
    const staleBefore = new Date(now.getTime() - staleAfterMs).toISOString();
    const record: Delivery = { ...delivery, status: 'sending', claimedAt: now.toISOString() };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item('delivery', keys.delivery(delivery.orgId, delivery.noticeId, delivery.contactId), record),
          ConditionExpression: 'attribute_not_exists(PK) OR (#data.#status = :sending AND #data.claimedAt < :stale)',
          ExpressionAttributeNames: { '#data': 'data', '#status': 'status' },
          ExpressionAttributeValues: { ':sending': 'sending', ':stale': staleBefore },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return conditionFailureItem<StoredItem<Delivery>>(error)?.data.status === 'sent' ? 'sent' : 'busy';
    }
  }

  /** Gives a claim back after a failed send, so the next run retries it at once. */
  async releaseDelivery(delivery: Pick<Delivery, 'orgId' | 'noticeId' | 'contactId'>): Promise<void> {
    await this.db.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: keys.delivery(delivery.orgId, delivery.noticeId, delivery.contactId),
        ConditionExpression: '#data.#status = :sending',
        ExpressionAttributeNames: { '#data': 'data', '#status': 'status' },
        ExpressionAttributeValues: { ':sending': 'sending' },
      }),
    );
  }

  async markSent(delivery: Pick<Delivery, 'orgId' | 'noticeId' | 'contactId'>, messageId: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.delivery(delivery.orgId, delivery.noticeId, delivery.contactId),
        UpdateExpression: 'SET #data.#status = :sent, #data.sentAt = :at, #data.messageId = :id',
        ExpressionAttributeNames: { '#data': 'data', '#status': 'status' },
        ExpressionAttributeValues: { ':sent': 'sent', ':at': this.clock.now().toISOString(), ':id': messageId },
      }),
    );
  }

  /** Takes the notice off the pending index once every recipient has it. */
  async markDelivered(notice: Notice): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.notice(notice.orgId, notice.id),
        UpdateExpression: 'SET #data.deliveredAt = :at REMOVE GSI2PK, GSI2SK',
        ExpressionAttributeNames: { '#data': 'data' },
        ExpressionAttributeValues: { ':at': this.clock.now().toISOString() },
      }),
    );
  }

  /** The org's notices, newest first, each with its deliveries. */
  async listNotices(orgId: string, options: ListOptions): Promise<Page<Notice & { deliveries: Delivery[] }>> {
    const partition = keys.noticePartition(orgId);
    const out = await this.db.send(
      new QueryCommand({
        ...partitionQuery(this.tableName, partition, keys.noticePrefix),
        ScanIndexForward: false,
        Limit: options.limit,
        ExclusiveStartKey: decodeCursor(options.cursor, partition),
      }),
    );
    const notices = (out.Items ?? []).map((i) => (i as StoredItem<Notice>).data);
    const withDeliveries = await Promise.all(
      notices.map(async (n) => ({ ...n, deliveries: await this.deliveries(orgId, n.id) })),
    );
    return { data: withDeliveries, nextCursor: encodeCursor(out.LastEvaluatedKey) };
  }

  // Contacts

  async addContact(contact: Contact, audit: AuditEntry): Promise<void> {
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: item('contact', keys.contact(contact.orgId, contact.id), contact),
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          auditPut(this.tableName, audit),
        ],
      }),
    );
  }

  async listContacts(orgId: string, options: ListOptions = { limit: 100 }): Promise<Page<Contact>> {
    return queryPartitionPage(this.db, this.tableName, keys.contactPartition(orgId), {
      ...options,
      skPrefix: keys.contactPrefix,
    });
  }

  async removeContact(orgId: string, contactId: string, audit: (removed: Contact) => AuditEntry): Promise<void> {
    const existing = await getData<Contact>(this.db, this.tableName, keys.contact(orgId, contactId));
    if (!existing) throw notFound('contact_not_found', `contact ${contactId} does not exist`);
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.tableName,
                Key: keys.contact(orgId, contactId),
                ConditionExpression: 'attribute_exists(PK)',
              },
            },
            auditPut(this.tableName, audit(existing)),
          ],
        }),
      );
    } catch (error) {
      if (conditionFailedInTransaction(error, 0)) {
        throw notFound('contact_not_found', `contact ${contactId} does not exist`);
      }
      throw error;
    }
  }
}
