import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
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
import { ITEM_SCHEMA_VERSION, keys } from '../../kernel/dynamo/keys';
import {
  decodeCursor,
  pageOfQuery,
  pageQueryLimit,
  partitionData,
  partitionQuery,
  queryAllItems,
  queryPartitionPage,
  TABLE_KEY,
} from '../../kernel/dynamo/pagination';
import { businessRule, notFound } from '../../kernel/errors';
import type { IdGenerator, ListOptions, Page } from '../../kernel/ports';
import {
  type Contact,
  type Delivery,
  type Notice,
  type PendingNotice,
  sanitizeBody,
  sanitizeSubject,
} from '../domain/notices';
import type { ContactStore, NoticeDeliveryStore, NoticeOutbox, NoticeRequest } from '../ports';

/** Notice causes and their markers outlive every retry window (Stripe: 3 days, SQS: 14). */
const CAUSE_TTL_SECONDS = 400 * 86_400;
/** A day's notice counter is kept one day past its day. */
const QUOTA_TTL_SECONDS = 2 * 86_400;
const DATA = { '#data': 'data', '#status': 'status' };

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/**
 * Contacts, the notice outbox and per-recipient deliveries. A notice is recorded once per (org, cause)
 * — its cause marker and the notice commit in one transaction — so a retried job or a redelivered
 * batch never records it twice; each (notice, contact) delivery is claimed with a conditional put
 * before the message is sent, so a retried delivery run never mails a contact twice.
 *
 * Delivery is scheduled per org: an org with undelivered notices has one entry on the sharded
 * `NOTICES_PENDING` work list (due when its next notice may be tried) and a `PENDING#<notice>` item per
 * notice in its own partition. A run takes the orgs that have waited longest, so however many notices
 * one org piles up or fails, every other org's turn comes in the next run.
 */
export class DynamoNoticeStore implements NoticeOutbox, NoticeDeliveryStore, ContactStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly maxNoticesPerOrgPerDay: number = Number.POSITIVE_INFINITY,
  ) {}

  async enqueue(request: NoticeRequest): Promise<boolean> {
    const now = this.clock.now();
    const notice: Notice = {
      id: this.ids.next('ntc'),
      createdAt: now.toISOString(),
      ...request,
      subject: sanitizeSubject(request.subject),
      body: sanitizeBody(request.body),
      status: 'pending',
      attempts: 0,
    };
    const causeMarker = this.causeMarker(request, notice.id, now);
    const quotaKey = keys.noticeQuota(request.orgId, notice.createdAt.slice(0, 10));
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            causeMarker,
            {
              Update: {
                TableName: this.tableName,
                Key: quotaKey,
                UpdateExpression: 'SET entity = :entity, v = :v, expiresAt = :exp ADD #n :one',
                ConditionExpression: 'attribute_not_exists(#n) OR #n < :cap',
                ExpressionAttributeNames: { '#n': 'count' },
                ExpressionAttributeValues: {
                  ':entity': 'notice_quota',
                  ':v': ITEM_SCHEMA_VERSION,
                  ':exp': Math.floor(now.getTime() / 1000) + QUOTA_TTL_SECONDS,
                  ':one': 1,
                  ':cap': this.maxNoticesPerOrgPerDay,
                },
              },
            },
            { Put: { TableName: this.tableName, Item: item('notice', keys.notice(request.orgId, notice.id), notice) } },
            ...this.pendingWrites(request.orgId, notice.id, notice.createdAt),
          ],
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailedInTransaction(error, 0)) return false;
      if (!conditionFailedInTransaction(error, 1)) throw error;
    }
    // The org reached its daily limit: the notice is kept (visible in the list, never mailed).
    const suppressed: Notice = { ...notice, status: 'suppressed', suppressedReason: 'daily_limit' };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            causeMarker,
            {
              Put: {
                TableName: this.tableName,
                Item: item('notice', keys.notice(request.orgId, notice.id), suppressed),
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

  private causeMarker(request: NoticeRequest, noticeId: string, now: Date): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...keys.noticeCause(request.orgId, request.cause),
          entity: 'notice_cause',
          v: ITEM_SCHEMA_VERSION,
          noticeId,
          expiresAt: Math.floor(now.getTime() / 1000) + CAUSE_TTL_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    };
  }

  /** The notice on the org's pending list, and the org due now on the work list (`seq` moves). */
  private pendingWrites(orgId: string, noticeId: string, dueAt: string): TransactItem[] {
    const pending: PendingNotice = { noticeId, attempts: 0, nextAttemptAt: dueAt };
    const due = keys.noticeOrgDueIndex(orgId, dueAt);
    return [
      {
        Put: { TableName: this.tableName, Item: item('notice_pending', keys.noticePending(orgId, noticeId), pending) },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: keys.noticeOrgDue(orgId),
          UpdateExpression: 'SET entity = :entity, v = :v, orgId = :org, GSI2PK = :pk, GSI2SK = :sk ADD seq :one',
          ExpressionAttributeValues: {
            ':entity': 'notice_org_due',
            ':v': ITEM_SCHEMA_VERSION,
            ':org': orgId,
            ':pk': due.GSI2PK,
            ':sk': due.GSI2SK,
            ':one': 1,
          },
        },
      },
    ];
  }

  async dueOrgs(now: Date, limit: number): Promise<string[]> {
    const upTo = `${now.toISOString()}#\uffff`;
    const [legacy, ...shards] = [...keys.noticesDuePartitions].reverse();
    // Every shard's longest-waiting orgs, merged: the `limit` orgs that have waited longest overall.
    const pages = await Promise.all(
      shards.map((pk) =>
        this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: 'GSI2',
            KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK <= :upTo',
            ExpressionAttributeValues: { ':pk': pk, ':upTo': upTo },
            Limit: limit,
          }),
        ),
      ),
    );
    const entries = pages
      .flatMap((p) => p.Items ?? [])
      .map((i) => ({ sk: i.GSI2SK as string, orgId: i.orgId as string }))
      .sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));
    const orgIds = [...new Set(entries.map((e) => e.orgId))].slice(0, limit);
    return [...new Set([...orgIds, ...(await this.adoptLegacy(legacy!, upTo, limit))])];
  }

  /**
   * DATA MIGRATION on read: notices written before per-org scheduling sit on the unsharded
   * `NOTICES_PENDING` key themselves. Each is moved onto its org's pending list (and the org onto the
   * work list), so the schedule delivers it like any other; the unsharded key then empties.
   */
  private async adoptLegacy(partition: string, upTo: string, limit: number): Promise<string[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'GSI2',
        KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK <= :upTo',
        ExpressionAttributeValues: { ':pk': partition, ':upTo': upTo },
        Limit: limit,
      }),
    );
    const adopted: string[] = [];
    for (const legacy of (out.Items ?? []) as StoredItem<Notice>[]) {
      const notice = legacy.data;
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tableName,
                  Key: keys.notice(notice.orgId, notice.id),
                  UpdateExpression: 'REMOVE GSI2PK, GSI2SK',
                  ConditionExpression: 'GSI2PK = :legacy',
                  ExpressionAttributeValues: { ':legacy': partition },
                },
              },
              ...this.pendingWrites(notice.orgId, notice.id, this.clock.now().toISOString()),
            ],
          }),
        );
      } catch (error) {
        if (!conditionFailedInTransaction(error, 0)) throw error; // adopted by an overlapping run
      }
      adopted.push(notice.orgId);
    }
    return adopted;
  }

  async dueEntry(orgId: string): Promise<{ seq: number } | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.noticeOrgDue(orgId), ConsistentRead: true }),
    );
    return out.Item ? { seq: Number(out.Item.seq ?? 0) } : undefined;
  }

  async pendingOf(orgId: string, limit: number): Promise<PendingNotice[]> {
    const out = await this.db.send(
      new QueryCommand({
        ...partitionQuery(this.tableName, keys.noticePartition(orgId), keys.noticePendingPrefix),
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((i) => (i as StoredItem<PendingNotice>).data);
  }

  async getNotice(orgId: string, noticeId: string): Promise<Notice | undefined> {
    return getData<Notice>(this.db, this.tableName, keys.notice(orgId, noticeId), { consistent: true });
  }

  async reschedule(orgId: string, seq: number, dueAt: string | null): Promise<void> {
    const key = keys.noticeOrgDue(orgId);
    const condition = { ConditionExpression: 'seq = :seq', ExpressionAttributeValues: { ':seq': seq } };
    try {
      if (dueAt === null) {
        await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: key, ...condition }));
        return;
      }
      const due = keys.noticeOrgDueIndex(orgId, dueAt);
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET GSI2PK = :pk, GSI2SK = :sk',
          ...condition,
          ExpressionAttributeValues: { ...condition.ExpressionAttributeValues, ':pk': due.GSI2PK, ':sk': due.GSI2SK },
        }),
      );
    } catch (error) {
      // A notice was enqueued meanwhile: the org is due now, which the enqueue already recorded.
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /**
   * Every notice of the org with its deliveries, oldest first, at constant memory: notices and deliveries
   * sit in one partition sorted by notice id (`NOTICE#<id>`, `DELIVERY#<id>#<contact>`), so two ascending
   * reads are merged as they go, never one query per notice.
   */
  async *allNotices(orgId: string): AsyncGenerator<Notice & { deliveries: Delivery[] }> {
    const partition = keys.noticePartition(orgId);
    const deliveries = partitionData<Delivery>(this.db, this.tableName, partition, {
      skPrefix: keys.deliveryPrefix(''),
    })[Symbol.asyncIterator]();
    let next = await deliveries.next();
    for await (const notice of partitionData<Notice>(this.db, this.tableName, partition, {
      skPrefix: keys.noticePrefix,
    })) {
      while (!next.done && next.value.noticeId < notice.id) next = await deliveries.next();
      const mine: Delivery[] = [];
      while (!next.done && next.value.noticeId === notice.id) {
        mine.push(next.value);
        next = await deliveries.next();
      }
      yield { ...notice, deliveries: mine };
    }
  }

  /** Every contact of the org (at most the per-org cap), oldest first. */
  allContacts(orgId: string): AsyncIterable<Contact> {
    return partitionData<Contact>(this.db, this.tableName, keys.contactPartition(orgId), {
      skPrefix: keys.contactPrefix,
    });
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

  /** Every recipient has it: `delivered`, off the org's pending list (and off the legacy index). */
  async markDelivered(notice: Notice): Promise<void> {
    await this.finishNotice(notice, '#data.#status = :delivered, #data.deliveredAt = :at', {
      ':delivered': 'delivered',
      ':at': this.clock.now().toISOString(),
    });
  }

  async recordFailedAttempt(
    notice: Notice,
    attempts: number,
    error: string,
    outcome: { status: 'failed' } | { status: 'pending'; nextAttemptAt: string },
  ): Promise<void> {
    const now = this.clock.now().toISOString();
    if (outcome.status === 'failed') {
      await this.finishNotice(
        notice,
        '#data.#status = :failed, #data.failedAt = :at, #data.attempts = :n, #data.lastError = :error',
        { ':failed': 'failed', ':at': now, ':n': attempts, ':error': error },
        ['#data.nextAttemptAt'],
      );
      return;
    }
    const pending: PendingNotice = { noticeId: notice.id, attempts, nextAttemptAt: outcome.nextAttemptAt };
    await this.db
      .send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.notice(notice.orgId, notice.id),
                UpdateExpression: 'SET #data.attempts = :n, #data.lastError = :error, #data.nextAttemptAt = :next',
                ExpressionAttributeNames: { '#data': 'data' },
                ExpressionAttributeValues: { ':n': attempts, ':error': error, ':next': outcome.nextAttemptAt },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: item('notice_pending', keys.noticePending(notice.orgId, notice.id), pending),
                // Only while it is still pending: an overlapping run may have finished it.
                ConditionExpression: 'attribute_exists(PK)',
              },
            },
          ],
        }),
      )
      .catch((e: unknown) => {
        if (!conditionFailedInTransaction(e, 1)) throw e;
      });
  }

  /** A terminal outcome: the notice updated and its pending item deleted, together. */
  private async finishNotice(
    notice: Notice,
    sets: string,
    values: Record<string, unknown>,
    removes: readonly string[] = [],
  ): Promise<void> {
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.tableName,
              Key: keys.notice(notice.orgId, notice.id),
              UpdateExpression: `SET ${sets} REMOVE ${['GSI2PK', 'GSI2SK', ...removes].join(', ')}`,
              ExpressionAttributeNames: DATA,
              ExpressionAttributeValues: values,
            },
          },
          { Delete: { TableName: this.tableName, Key: keys.noticePending(notice.orgId, notice.id) } },
        ],
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
        Limit: pageQueryLimit(options.limit),
        ExclusiveStartKey: decodeCursor(options.cursor, partition),
      }),
    );
    const page = pageOfQuery(out, options.limit, TABLE_KEY);
    const notices = page.items.map((i) => (i as StoredItem<Notice>).data);
    const withDeliveries = await Promise.all(
      notices.map(async (n) => ({ ...n, deliveries: await this.deliveries(orgId, n.id) })),
    );
    return { data: withDeliveries, nextCursor: page.nextCursor };
  }

  // Contacts

  async addContact(contact: Contact, audit: AuditEntry, maxContacts: number): Promise<void> {
    try {
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
            {
              Update: {
                TableName: this.tableName,
                Key: keys.contactCount(contact.orgId),
                UpdateExpression: 'SET entity = :entity, v = :v ADD #n :one',
                ConditionExpression: 'attribute_not_exists(#n) OR #n < :cap',
                ExpressionAttributeNames: { '#n': 'count' },
                ExpressionAttributeValues: {
                  ':entity': 'contact_count',
                  ':v': ITEM_SCHEMA_VERSION,
                  ':one': 1,
                  ':cap': maxContacts,
                },
              },
            },
            auditPut(this.tableName, audit),
          ],
        }),
      );
    } catch (error) {
      if (conditionFailedInTransaction(error, 1)) {
        throw businessRule(
          'contact_limit_reached',
          `an organization has at most ${maxContacts} billing contacts; remove one first`,
          { max_contacts: maxContacts },
        );
      }
      throw error;
    }
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
            {
              Update: {
                TableName: this.tableName,
                Key: keys.contactCount(orgId),
                // Orgs whose contacts predate the counter have none: it then stays at 0, never below.
                UpdateExpression: 'SET #n = if_not_exists(#n, :one) - :one',
                ExpressionAttributeNames: { '#n': 'count' },
                ExpressionAttributeValues: { ':one': 1 },
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
