import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { rateLimited } from '../errors';
import { isConditionalCheckFailed } from './client';
import { ITEM_SCHEMA_VERSION, keys } from './keys';

export interface RateLimit {
  /** Who is counted: an org id, or `platform:<sub>` for a service caller. */
  readonly scope: string;
  /** Which budget (routes that share one name share the budget). */
  readonly bucket: string;
  readonly limit: number;
  readonly windowSeconds: number;
}

/**
 * A per-scope fixed-window rate limiter in the table, so it holds across every Lambda instance and works
 * the same against DynamoDB Local and on AWS (an in-memory map would count per instance). Each request
 * is one conditional UpdateItem: ADD 1 while the window's count is under the limit; at the limit the
 * condition fails and the caller is told when the window ends. A refused request does not count.
 */
export class DynamoRateLimiter {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Counts one request, or throws `rate_limited` (429 with Retry-After) when the window is used up. */
  async take(limit: RateLimit, now: Date): Promise<void> {
    const windowMs = limit.windowSeconds * 1000;
    const start = Math.floor(now.getTime() / windowMs) * windowMs;
    const end = start + windowMs;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.rateLimitWindow(limit.scope, limit.bucket, new Date(start).toISOString()),
          UpdateExpression: 'SET entity = :entity, v = :v, expiresAt = :exp ADD #n :one',
          ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
          ExpressionAttributeNames: { '#n': 'count' },
          ExpressionAttributeValues: {
            ':entity': 'rate_limit_window',
            ':v': ITEM_SCHEMA_VERSION,
            // TTL deletion lags; the window's own start in the key makes a late-deleted item harmless.
            ':exp': Math.floor(end / 1000) + 3600,
            ':one': 1,
            ':limit': limit.limit,
          },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      throw rateLimited(
        'rate_limited',
        `at most ${limit.limit} of these requests per ${limit.windowSeconds} s; retry after the window`,
        Math.ceil((end - now.getTime()) / 1000),
      );
    }
  }
}
