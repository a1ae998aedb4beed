import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { RuntimeConfig } from '../config';

/**
 * One document client per cold start. Locally the endpoint points at DynamoDB Local; on AWS it is unset.
 * `removeUndefinedValues` lets optional fields be omitted instead of failing the marshaller.
 */
export function createDocumentClient(
  config: Pick<RuntimeConfig, 'region' | 'dynamodbEndpoint'>,
): DynamoDBDocumentClient {
  const base = new DynamoDBClient({
    region: config.region,
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
    maxAttempts: 5,
  });
  return DynamoDBDocumentClient.from(base, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/** Condition failures carry CancellationReasons on transactions; these helpers read them without `any`. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

export interface CancellationReason {
  Code?: string;
  Message?: string;
  Item?: Record<string, unknown>;
}

/**
 * True when a transaction was cancelled because a condition failed — on the item at `index`, or on
 * any item when no index is given.
 */
export function conditionFailedInTransaction(error: unknown, index?: number): boolean {
  const reasons = cancellationReasons(error);
  if (!reasons) return false;
  return index === undefined
    ? reasons.some((r) => r.Code === 'ConditionalCheckFailed')
    : reasons[index]?.Code === 'ConditionalCheckFailed';
}

export function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  const reasons = (error as Error & { CancellationReasons?: CancellationReason[] }).CancellationReasons;
  return reasons ?? [];
}

/**
 * The item a failed condition returned (ReturnValuesOnConditionCheckFailure: ALL_OLD). The document
 * client does not unmarshall items carried by exceptions, so they arrive as raw AttributeValues.
 */
export function conditionFailureItem<T>(error: unknown): T | undefined {
  const raw = (error as { Item?: Parameters<typeof unmarshall>[0] }).Item;
  return raw ? (unmarshall(raw) as T) : undefined;
}
