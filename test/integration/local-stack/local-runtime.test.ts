import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { ulid } from 'ulid';
import type { QueueDefinition } from '../../../functions/queues';
import { ensureTable } from '../../../scripts/local/create-table';
import { localDynamoClient } from '../../../scripts/local/dynamodb-local';
import { type Poller, startPoller } from '../../../scripts/local/poller';
import { Supervisor } from '../../../scripts/local/processes';
import { createQueues, localSqsClient } from '../../../scripts/local/sqs';

const sqs = localSqsClient(process.env.SQS_ENDPOINT!);

/** A fresh queue pair per test; failed records reappear at once through the poller's retryDelaySeconds: 0. */
async function freshQueue(overrides: Partial<QueueDefinition> = {}) {
  const definition: QueueDefinition = {
    id: 'usage',
    name: `t-${ulid().toLowerCase()}`,
    visibilityTimeoutSeconds: 10,
    maxReceiveCount: 3,
    batchSize: 25,
    maxBatchingWindowSeconds: 1,
    dlqRetentionDays: 14,
    ...overrides,
  };
  const created = (await createQueues(sqs, [definition])).usage;
  return { definition, ...created };
}

async function send(queueUrl: string, bodies: string[]) {
  for (let i = 0; i < bodies.length; i += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.slice(i, i + 10).map((MessageBody, j) => ({ Id: String(j), MessageBody })),
      }),
    );
  }
}

async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

const queueDepth = async (url: string) => {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes!.ApproximateNumberOfMessages) + Number(out.Attributes!.ApproximateNumberOfMessagesNotVisible)
  );
};

let poller: Poller | undefined;
afterEach(async () => {
  await poller?.stop();
  poller = undefined;
});

describe('the local SQS poller', () => {
  it('gathers up to batchSize records per invocation with the AWS record shape', async () => {
    const q = await freshQueue({ batchSize: 25 });
    await send(
      q.url,
      Array.from({ length: 25 }, (_, i) => `m${i}`),
    );
    const batches: SQSEvent[] = [];
    poller = startPoller({
      sqs,
      queueUrl: q.url,
      queueArn: q.arn,
      definition: q.definition,
      handler: async (e) => {
        batches.push(e);
        return { batchItemFailures: [] };
      },
    });
    await until(() => batches.flatMap((b) => b.Records).length === 25);
    expect(Math.max(...batches.map((b) => b.Records.length))).toBeGreaterThan(10);
    const record = batches[0]!.Records[0]!;
    expect(record).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: q.arn, awsRegion: 'us-east-1' });
    expect(typeof record.attributes.ApproximateReceiveCount).toBe('string');
    await until(async () => (await queueDepth(q.url)) === 0);
  });

  it('deletes only the records not listed in batchItemFailures and redelivers the failed one', async () => {
    const q = await freshQueue();
    await send(q.url, ['ok-1', 'bad', 'ok-2']);
    const seen: string[] = [];
    poller = startPoller({
      sqs,
      queueUrl: q.url,
      queueArn: q.arn,
      definition: q.definition,
      retryDelaySeconds: 0,
      handler: async (e) => {
        seen.push(...e.Records.map((r) => r.body));
        const failures = e.Records.filter((r) => r.body === 'bad' && seen.filter((s) => s === 'bad').length < 2);
        return { batchItemFailures: failures.map((r) => ({ itemIdentifier: r.messageId })) };
      },
    });
    await until(() => seen.filter((s) => s === 'bad').length === 2);
    await until(async () => (await queueDepth(q.url)) === 0);
    expect(seen.filter((s) => s === 'ok-1')).toHaveLength(1);
    expect(seen.filter((s) => s === 'ok-2')).toHaveLength(1);
  });

  it('retries the whole batch when the handler throws', async () => {
    const q = await freshQueue();
    await send(q.url, ['a', 'b']);
    let calls = 0;
    const seen: string[] = [];
    poller = startPoller({
      sqs,
      queueUrl: q.url,
      queueArn: q.arn,
      definition: q.definition,
      retryDelaySeconds: 0,
      handler: async (e) => {
        calls += 1;
        seen.push(...e.Records.map((r) => r.body));
        if (calls === 1) throw new Error('boom');
        return { batchItemFailures: [] };
      },
    });
    await until(async () => seen.length >= 4 && (await queueDepth(q.url)) === 0);
    expect(seen.filter((s) => s === 'a').length).toBeGreaterThanOrEqual(2);
    expect(seen.filter((s) => s === 'b').length).toBeGreaterThanOrEqual(2);
  });

  it('moves a record that keeps failing to the DLQ after maxReceiveCount receives', async () => {
    const q = await freshQueue({ maxReceiveCount: 2 });
    await send(q.url, ['poison']);
    let attempts = 0;
    poller = startPoller({
      sqs,
      queueUrl: q.url,
      queueArn: q.arn,
      definition: q.definition,
      retryDelaySeconds: 0,
      handler: async (e) => {
        attempts += e.Records.length;
        return { batchItemFailures: e.Records.map((r) => ({ itemIdentifier: r.messageId })) };
      },
    });
    await until(async () => {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: q.dlqUrl, WaitTimeSeconds: 0 }));
      return (out.Messages ?? []).some((m) => m.Body === 'poison');
    });
    expect(attempts).toBe(2);
  });

  it('stops promptly while long-polling an empty queue', async () => {
    const q = await freshQueue();
    poller = startPoller({
      sqs,
      queueUrl: q.url,
      queueArn: q.arn,
      definition: q.definition,
      handler: async () => ({ batchItemFailures: [] }),
    });
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await poller.stop();
    poller = undefined;
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('the local table', () => {
  it('is created from the table schema with both GSIs and TTL, and ensureTable is idempotent', async () => {
    const client = localDynamoClient(process.env.DYNAMODB_ENDPOINT!);
    const name = `t_${ulid()}`;
    await ensureTable(client, name);
    await ensureTable(client, name);
    const table = await client.send(new DescribeTableCommand({ TableName: name }));
    expect(table.Table!.GlobalSecondaryIndexes!.map((g) => g.IndexName).sort()).toEqual(['GSI1', 'GSI2']);
    expect(table.Table!.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
  });
});

describe('the process supervisor', () => {
  it('kills the whole process group of its children on stop, even one that ignores SIGTERM', async () => {
    const supervisor = new Supervisor();
    const child = supervisor.spawn(
      'stubborn',
      process.execPath,
      [
        '-e',
        "process.on('SIGTERM', () => {}); require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); setInterval(() => {}, 1000);",
      ],
      { stdio: 'ignore' },
    );
    await new Promise((r) => setTimeout(r, 300));
    await supervisor.stop(500);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive(child.pid!)).toBe(false);
    let groupAlive = true;
    try {
      process.kill(-child.pid!, 0);
    } catch {
      groupAlive = false;
    }
    expect(groupAlive).toBe(false);
  });
});
