import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { conditionFailureItem, isConditionalCheckFailed } from '../../kernel/dynamo/client';
import { ITEM_SCHEMA_VERSION, keys } from '../../kernel/dynamo/keys';
import type { TransactionPart } from '../../kernel/ports';
import type { InboxOutcome, InboxRecord, StripeEventInbox } from '../app/stripe-events';

/**
 * The Stripe event inbox (polar's pattern: a persisted record per event with when it was handled).
 * `received` → claimed by the webhook, not yet known to be queued; `queued` → durably on the queue;
 * then one terminal outcome written by the reconciler in the same transaction as the effect.
 *
 * Items live 35 days: longer than Stripe retries (3 days) and SQS keeps a message (14 days), so a late
 * duplicate still finds its record.
 */
export const INBOX_TTL_SECONDS = 35 * 86_400;
const STATUS = { '#status': 'status' };

export class DynamoStripeEventInbox implements StripeEventInbox {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(event: { id: string; type: string; created: number }, now: Date): Promise<'claimed' | InboxRecord> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.stripeEvent(event.id),
            entity: 'stripe_event',
            v: ITEM_SCHEMA_VERSION,
            eventId: event.id,
            type: event.type,
            created: event.created,
            status: 'received',
            receivedAt: now.toISOString(),
            expiresAt: Math.floor(now.getTime() / 1000) + INBOX_TTL_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const existing = conditionFailureItem<InboxRecord>(error);
      if (!existing) throw error;
      return existing;
    }
  }

  async markQueued(eventId: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.stripeEvent(eventId),
          UpdateExpression: 'SET #status = :queued',
          // The reconciler may already have handled it: never move a record backwards.
          ConditionExpression: '#status = :received',
          ExpressionAttributeNames: STATUS,
          ExpressionAttributeValues: { ':queued': 'queued', ':received': 'received' },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async release(eventId: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.stripeEvent(eventId),
          ConditionExpression: '#status = :received',
          ExpressionAttributeNames: STATUS,
          ExpressionAttributeValues: { ':received': 'received' },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async get(eventId: string): Promise<InboxRecord | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.stripeEvent(eventId), ConsistentRead: true }),
    );
    return out.Item as InboxRecord | undefined;
  }

  finishPart(eventId: string, outcome: InboxOutcome, now: Date): TransactionPart {
    return { dynamodb: { Update: finishUpdate(this.tableName, eventId, outcome, now) } };
  }

  /** Records a terminal outcome on its own (no effect to commit with it). False if already terminal. */
  async finish(eventId: string, outcome: InboxOutcome, now: Date): Promise<boolean> {
    try {
      await this.db.send(new UpdateCommand(finishUpdate(this.tableName, eventId, outcome, now)));
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}

const TERMINAL = ['handled', 'awaiting_handler', 'ignored', 'failed', 'superseded'];

/**
 * The inbox update that marks an event done. Used inside the effect's transaction: its condition makes
 * a second application of the same event cancel the whole transaction (exactly-once effect).
 */
export function finishUpdate(tableName: string, eventId: string, outcome: InboxOutcome, now: Date) {
  const values: Record<string, unknown> = {
    ':status': outcome.status,
    ':at': now.toISOString(),
    ':exp': Math.floor(now.getTime() / 1000) + INBOX_TTL_SECONDS,
    ':entity': 'stripe_event',
    ':v': ITEM_SCHEMA_VERSION,
    ':eventId': eventId,
  };
  const sets = [
    '#status = :status',
    'handledAt = :at',
    'expiresAt = :exp',
    'entity = :entity',
    'v = :v',
    'eventId = :eventId',
  ];
  if (outcome.orgId) {
    sets.push('orgId = :org');
    values[':org'] = outcome.orgId;
  }
  if (outcome.type) {
    sets.push('#type = :type');
    values[':type'] = outcome.type;
  }
  if (outcome.code) {
    sets.push('outcomeCode = :code');
    values[':code'] = outcome.code;
  }
  if (outcome.payload !== undefined) {
    sets.push('payload = :payload');
    values[':payload'] = outcome.payload;
  }
  TERMINAL.forEach((s, i) => {
    values[`:t${i}`] = s;
  });
  return {
    TableName: tableName,
    Key: keys.stripeEvent(eventId),
    UpdateExpression: `SET ${sets.join(', ')}`,
    ConditionExpression: `attribute_not_exists(#status) OR NOT (#status IN (${TERMINAL.map((_, i) => `:t${i}`).join(', ')}))`,
    ExpressionAttributeNames: { ...STATUS, ...(outcome.type ? { '#type': 'type' } : {}) },
    ExpressionAttributeValues: values,
  };
}
