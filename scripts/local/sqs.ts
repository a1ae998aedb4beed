import { join } from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { QueueDefinition } from '../../functions/queues';
import { LOCAL_CREDENTIALS } from './dynamodb-local';
import { assertPortFree, readyLine, Supervisor } from './processes';

/**
 * fauxqs, a local SQS endpoint, run as a child process (fauxqs-server.mjs: fauxqs is ESM-only, and a
 * child process works the same under tsx, plain node and jest, and cannot take the runtime down with it).
 *
 * fauxqs keeps queues and messages in memory: restarting the local runtime drops whatever was queued.
 * That is accepted locally: queues are created again on start, producers retry, and no queued message
 * is the only copy of billing state (usage events are re-sent by id, Stripe re-delivers webhooks).
 *
 * What fauxqs does natively (tested in test/integration/local-stack): VisibilityTimeout (queue default
 * and per receive), long polling, RedrivePolicy (on the receive that exceeds maxReceiveCount the message
 * moves to the DLQ, as on SQS), ApproximateReceiveCount and the other system attributes, batch calls,
 * CreateQueue idempotency (same attributes → same URL; different ones → QueueNameExists).
 */
export interface LocalSqs {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export interface StartSqsOptions {
  /** 0 (the default) lets the OS choose a free port. */
  port?: number;
  supervisor?: Supervisor;
  readyTimeoutMs?: number;
}

const LAUNCHER = join(__dirname, 'fauxqs-server.mjs');
let started = 0;

export async function startSqs(portOrOptions: number | StartSqsOptions = {}): Promise<LocalSqs> {
  const options = typeof portOrOptions === 'number' ? { port: portOrOptions } : portOrOptions;
  const requested = options.port ?? 0;
  if (requested !== 0) await assertPortFree(requested, 'the local SQS endpoint (fauxqs)', 'LOCAL_SQS_PORT');
  const supervisor = options.supervisor ?? new Supervisor();
  const name = `fauxqs#${++started}`;
  const child = supervisor.spawn(name, process.execPath, [LAUNCHER, String(requested)], {
    selfGuarded: true,
    stdout: 'pipe',
    stderr: 'inherit',
    armed: false,
  });
  const { port } = await readyLine<{ port: number }>(child, 'fauxqs', options.readyTimeoutMs ?? 15_000).catch(
    async (error: Error) => {
      await supervisor.stopChild(name);
      throw error;
    },
  );
  child.arm();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () => (options.supervisor ? supervisor.stopChild(name) : supervisor.stop()),
  };
}

/**
 * fauxqs's queue URLs may name hosts that do not resolve here (sqs.<region>.localhost): the client
 * always talks to the explicit endpoint and never takes the host from a queue URL.
 */
export function localSqsClient(endpoint: string, region = 'us-east-1'): SQSClient {
  return new SQSClient({ endpoint, region, credentials: LOCAL_CREDENTIALS, useQueueUrlAsEndpoint: false });
}

export interface CreatedQueue {
  url: string;
  arn: string;
  dlqUrl: string;
  dlqArn: string;
}

/** The DLQ attributes the stack gives each queue's DLQ. */
export function dlqAttributes(def: QueueDefinition): Record<string, string> {
  return { MessageRetentionPeriod: String(def.dlqRetentionDays * 86_400) };
}

/** The main queue's attributes, as the CDK stack sets them (lib/stateful-stack.ts reads the same definition). */
export function queueAttributes(def: QueueDefinition, dlqArn: string): Record<string, string> {
  return {
    VisibilityTimeout: String(def.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: def.maxReceiveCount }),
  };
}

/**
 * Each queue's DLQ (`<name>-dlq`), then the queue with its visibility timeout and redrive policy.
 * Idempotent: CreateQueue with the same name and attributes returns the existing queue.
 */
export async function createQueues(
  sqs: SQSClient,
  definitions: readonly QueueDefinition[],
): Promise<Record<QueueDefinition['id'], CreatedQueue>> {
  const out = {} as Record<QueueDefinition['id'], CreatedQueue>;
  for (const def of definitions) {
    const dlq = await sqs.send(
      new CreateQueueCommand({ QueueName: `${def.name}-dlq`, Attributes: dlqAttributes(def) }),
    );
    const dlqArn = await queueArn(sqs, dlq.QueueUrl!);
    const main = await sqs.send(
      new CreateQueueCommand({ QueueName: def.name, Attributes: queueAttributes(def, dlqArn) }),
    );
    out[def.id] = { url: main.QueueUrl!, arn: await queueArn(sqs, main.QueueUrl!), dlqUrl: dlq.QueueUrl!, dlqArn };
  }
  return out;
}

export async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return attrs.Attributes!.QueueArn!;
}
