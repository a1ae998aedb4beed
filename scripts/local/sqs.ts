import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { QueueDefinition } from '../../functions/queues';
import { LOCAL_CREDENTIALS } from './dynamodb-local';
import { assertPortFree } from './processes';

/**
 * fauxqs, a local SQS endpoint, in this process (it is ESM-only, so it is imported dynamically). It
 * keeps messages in memory: a restart of the local runtime drops queued messages, which is acceptable
 * locally because producers retry and nothing queued is the only copy of billing state. It honours
 * RedrivePolicy itself (a message received more than maxReceiveCount times moves to the DLQ).
 */
export interface LocalSqs {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startSqs(port: number): Promise<LocalSqs> {
  await assertPortFree(port, 'the local SQS endpoint', 'LOCAL_SQS_PORT');
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port, logger: false, host: '127.0.0.1' });
  return { endpoint: `http://127.0.0.1:${server.port}`, stop: () => server.stop() };
}

/** fauxqs's queue URLs use hosts that do not resolve here: always talk to the explicit endpoint. */
export function localSqsClient(endpoint: string): SQSClient {
  return new SQSClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, useQueueUrlAsEndpoint: false });
}

export interface CreatedQueue {
  url: string;
  arn: string;
  dlqUrl: string;
  dlqArn: string;
}

/** Each queue and its DLQ with the same settings as the CDK stack; idempotent. */
export async function createQueues(
  sqs: SQSClient,
  definitions: readonly QueueDefinition[],
): Promise<Record<QueueDefinition['id'], CreatedQueue>> {
  const out = {} as Record<QueueDefinition['id'], CreatedQueue>;
  for (const def of definitions) {
    const dlq = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${def.name}-dlq`,
        Attributes: { MessageRetentionPeriod: String(def.dlqRetentionDays * 86_400) },
      }),
    );
    const dlqArn = await queueArn(sqs, dlq.QueueUrl!);
    const main = await sqs.send(
      new CreateQueueCommand({
        QueueName: def.name,
        Attributes: {
          VisibilityTimeout: String(def.visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: def.maxReceiveCount }),
        },
      }),
    );
    out[def.id] = { url: main.QueueUrl!, arn: await queueArn(sqs, main.QueueUrl!), dlqUrl: dlq.QueueUrl!, dlqArn };
  }
  return out;
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return attrs.Attributes!.QueueArn!;
}
