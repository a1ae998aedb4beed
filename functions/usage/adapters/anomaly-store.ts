import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { addDays, epochSeconds } from '../../kernel/clock';
import { isConditionalCheckFailed } from '../../kernel/dynamo/client';
import { item, type StoredItem } from '../../kernel/dynamo/items';
import { keys } from '../../kernel/dynamo/keys';
import { partitionQuery, queryAllItems, queryPartitionPage } from '../../kernel/dynamo/pagination';
import type { Page } from '../../kernel/ports';
import type { Anomaly } from '../domain/anomalies';
import type { AnomalyStore } from '../ports';

/** Anomalies are kept a year: long enough to compare this month's runaways with last year's. */
const ANOMALY_TTL_DAYS = 400;

export class DynamoAnomalyStore implements AnomalyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(orgId: string, anomaly: Anomaly): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item(
            'usage_anomaly',
            keys.usageAnomaly(orgId, anomaly.day, anomaly.scope.kind, anomaly.scope.id),
            anomaly,
            {
              expiresAt: epochSeconds(addDays(new Date(anomaly.detectedAt), ANOMALY_TTL_DAYS)),
            },
          ),
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async onDay(orgId: string, day: string): Promise<Anomaly[]> {
    const items = await queryAllItems(this.db, {
      ...partitionQuery(this.tableName, keys.usageAnomalyPartition(orgId), `${day}#`),
      ConsistentRead: true,
    });
    return items.map((i) => (i as StoredItem<Anomaly>).data);
  }

  list(orgId: string, options: { limit: number; cursor?: string }): Promise<Page<Anomaly>> {
    return queryPartitionPage<Anomaly>(this.db, this.tableName, keys.usageAnomalyPartition(orgId), {
      ...options,
      newestFirst: true,
    });
  }
}
