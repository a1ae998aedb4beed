import { SQSClient } from '@aws-sdk/client-sqs';
import type { RuntimeConfig } from '../config';

/**
 * One SQS client per cold start. Locally the endpoint is fauxqs: its queue URLs name hosts
 * (`sqs.<region>.localhost`) that do not resolve here, so the client uses the explicit endpoint and
 * not the queue URL's host.
 */
export function createSqsClient(config: Pick<RuntimeConfig, 'region' | 'sqsEndpoint'>): SQSClient {
  return new SQSClient({
    region: config.region,
    ...(config.sqsEndpoint ? { endpoint: config.sqsEndpoint, useQueueUrlAsEndpoint: false } : {}),
    maxAttempts: 3,
  });
}
