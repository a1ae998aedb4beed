import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../../kernel/dynamo/client';
import { item, type StoredItem } from '../../kernel/dynamo/items';
import { keys } from '../../kernel/dynamo/keys';
import { queryWorkList, workListCursorFrom, workListCursorString } from '../../kernel/dynamo/pagination';
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
    const page = await queryWorkList(this.db, this.tableName, {
      partitions: Array.from({ length: keys.periodCloseShards }, (_, s) => keys.periodCloseDuePartition(s)),
      upTo: `${upTo.toISOString()}#\uffff`,
      limit,
      cursor: workListCursorFrom(cursor, 'a billing calendar cursor'),
    });
    const due = page.items.map((raw) => {
      const data = (raw as StoredItem<CalendarData>).data;
      return { orgId: data.orgId, periodEnd: data.nextCloseEnd };
    });
    return page.cursor ? { due, cursor: workListCursorString(page.cursor) } : { due };
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
