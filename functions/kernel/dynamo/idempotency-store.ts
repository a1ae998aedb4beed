import { randomUUID } from 'node:crypto';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { AppError, conflict } from '../errors';
import { conditionFailureItem, isConditionalCheckFailed } from './client';
import { ITEM_SCHEMA_VERSION, keys } from './keys';

/** A response as it was sent, replayed byte-for-byte in meaning for the same key and body. */
export interface StoredResponse {
  statusCode: number;
  body: string;
  contentType: string;
  /** `body` is what the route chose to keep (not the answer): the route rebuilds the answer from it. */
  rebuild?: boolean;
}

/** `claimId` names this request's claim: only it may complete or release the record. */
export type IdempotencyBegin = { state: 'started'; claimId: string } | { state: 'replay'; response: StoredResponse };

/**
 * Idempotency-Key records (the Powertools idempotency pattern, in the single table): a conditional put
 * claims the key with the request's hash; the stored response is replayed for the same key and body;
 * a different body under the same key is refused (422), and a request still in flight answers 409.
 *
 * Records live 48 h (the contract promises at least 24 h). An in-flight claim expires after
 * `IN_FLIGHT_SECONDS`, so a crashed request does not lock its key for two days. Each claim carries its
 * own id and `complete`/`release` are conditional on it: a request that outlived its claim (a retry took
 * the key over meanwhile) can neither overwrite the retry's response nor delete the retry's claim.
 */
export const IDEMPOTENCY_TTL_SECONDS = 48 * 3600;
const IN_FLIGHT_SECONDS = 60;

interface IdempotencyItem {
  status: 'in_progress' | 'completed';
  claimId?: string;
  requestHash: string;
  inFlightUntil: number;
  response?: StoredResponse;
}

export class DynamoIdempotencyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async begin(scope: string, routeId: string, key: string, requestHash: string, now: Date): Promise<IdempotencyBegin> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const claimId = randomUUID();
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.idempotency(scope, routeId, key),
            entity: 'idempotency',
            v: ITEM_SCHEMA_VERSION,
            status: 'in_progress',
            claimId,
            requestHash,
            inFlightUntil: nowSeconds + IN_FLIGHT_SECONDS,
            expiresAt: nowSeconds + IDEMPOTENCY_TTL_SECONDS,
          },
          // Claim the key if it is new, expired (TTL deletion lags by up to days), or an abandoned claim
          // of the same request.
          ConditionExpression:
            'attribute_not_exists(PK) OR expiresAt < :now OR (#status = :inProgress AND inFlightUntil < :now AND requestHash = :hash)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':now': nowSeconds, ':inProgress': 'in_progress', ':hash': requestHash },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { state: 'started', claimId };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const existing = conditionFailureItem<IdempotencyItem>(error);
      if (!existing) throw error;
      if (existing.requestHash !== requestHash) {
        throw new AppError(
          'validation',
          'idempotency_key_reused',
          'this Idempotency-Key was used with a different request; use a new key for a new request',
        );
      }
      if (existing.status === 'completed' && existing.response) return { state: 'replay', response: existing.response };
      throw conflict(
        'idempotency_in_progress',
        'a request with this Idempotency-Key is still being processed; retry shortly',
      );
    }
  }

  /** Stores the response, if the claim is still this request's; false when another claim took over. */
  async complete(
    scope: string,
    routeId: string,
    key: string,
    claimId: string,
    response: StoredResponse,
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.idempotency(scope, routeId, key),
          UpdateExpression: 'SET #status = :completed, #response = :response',
          ConditionExpression: 'claimId = :claim AND #status = :inProgress',
          ExpressionAttributeNames: { '#status': 'status', '#response': 'response' },
          ExpressionAttributeValues: {
            ':completed': 'completed',
            ':response': response,
            ':claim': claimId,
            ':inProgress': 'in_progress',
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Frees the key after a failure that the client may retry (5xx, conflicts): only this request's claim. */
  async release(scope: string, routeId: string, key: string, claimId: string): Promise<boolean> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.idempotency(scope, routeId, key),
          ConditionExpression: 'claimId = :claim AND #status = :inProgress',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':claim': claimId, ':inProgress': 'in_progress' },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}
