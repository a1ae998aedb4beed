import { type DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../../kernel/dynamo/client';
import { item, type StoredItem } from '../../kernel/dynamo/items';
import { keys } from '../../kernel/dynamo/keys';
import { validation } from '../../kernel/errors';
import { periodOf } from '../../kernel/period';
import type { BillingCalendar, PeriodDue } from '../ports';

interface CalendarData {
  readonly orgId: string;
  /** The end of the first period not yet closed. */
  readonly nextCloseEnd: string;
}

/** The calendar item's Put, for the provisioning transaction: the org's first period is the one it starts in. */
export function billingCalendarPut(tableName: string, orgId: string, periodEnd: string) {
  return {
    Put: {
      TableName: tableName,
      Item: item<CalendarData>(
        'billing_calendar',
        keys.billingCalendar(orgId),
        { orgId, nextCloseEnd: periodEnd },
        keys.periodCloseDue(orgId, periodEnd, keys.periodCloseShardOf(orgId)),
      ),
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
}

interface ShardCursor {
  readonly s: number;
  readonly k?: Record<string, unknown>;
}

export class DynamoBillingCalendar implements BillingCalendar {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Puts an org on the calendar from the period containing `at`, unless it is on it already. */
  async enroll(orgId: string, at: Date): Promise<void> {
    try {
      await this.db.send(new PutCommand(billingCalendarPut(this.tableName, orgId, periodOf(at).end.toISOString()).Put));
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async dueForClose(upTo: Date, limit: number, cursor?: string): Promise<{ due: PeriodDue[]; cursor?: string }> {
    let position = decode(cursor);
    const due: PeriodDue[] = [];
    while (position.s < keys.periodCloseShards && due.length < limit) {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'GSI2',
          KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK <= :upTo',
          ExpressionAttributeValues: {
            ':pk': keys.periodCloseDuePartition(position.s),
            ':upTo': `${upTo.toISOString()}#\uffff`,
          },
          Limit: limit - due.length,
          ...(position.k ? { ExclusiveStartKey: position.k } : {}),
        }),
      );
      for (const raw of out.Items ?? []) {
        const data = (raw as StoredItem<CalendarData>).data;
        due.push({ orgId: data.orgId, periodEnd: data.nextCloseEnd });
      }
      position = out.LastEvaluatedKey ? { s: position.s, k: out.LastEvaluatedKey } : { s: position.s + 1 };
    }
    return position.s < keys.periodCloseShards ? { due, cursor: encode(position) } : { due };
  }

  async markClosed(orgId: string, periodEnd: string): Promise<boolean> {
    const next = periodOf(new Date(periodEnd)).end.toISOString();
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.billingCalendar(orgId),
          UpdateExpression: 'SET #data.#next = :next, GSI2SK = :sk',
          ConditionExpression: '#data.#next = :expected',
          ExpressionAttributeNames: { '#data': 'data', '#next': 'nextCloseEnd' },
          ExpressionAttributeValues: {
            ':next': next,
            ':expected': periodEnd,
            ':sk': keys.periodCloseDue(orgId, next, keys.periodCloseShardOf(orgId)).GSI2SK,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}

const encode = (c: ShardCursor) => Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');

function decode(cursor: string | undefined): ShardCursor {
  if (cursor === undefined) return { s: 0 };
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as ShardCursor;
    if (Number.isInteger(parsed.s) && parsed.s >= 0) return parsed;
  } catch {
    // fall through
  }
  throw validation('invalid_cursor', 'not a billing calendar cursor');
}
