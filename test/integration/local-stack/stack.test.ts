import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { ulid } from 'ulid';
import { QUEUES } from '../../../functions/queues';
import { ensureTable } from '../../../scripts/local/create-table';
import { localDynamoClient } from '../../../scripts/local/dynamodb-local';
import {
  assertPortFree,
  type ChildExit,
  freePort,
  groupAlive,
  PortTakenError,
  Supervisor,
} from '../../../scripts/local/processes';
import { createQueues, localSqsClient, startSqs } from '../../../scripts/local/sqs';
import { freshQueue, sleep, sqs, until } from './helpers';

// The supervisor logs the unexpected exits these tests provoke.
process.env.LOCAL_LOG_LEVEL = 'SILENT';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the table', () => {
  it('is created from the table schema: string keys, both GSIs projecting everything, on-demand, TTL on', async () => {
    const client = localDynamoClient(process.env.DYNAMODB_ENDPOINT!);
    const name = `t_${ulid()}`;
    await Promise.all([ensureTable(client, name), ensureTable(client, name)]); // concurrent creators
    await ensureTable(client, name); // and again: idempotent
    const table = (await client.send(new DescribeTableCommand({ TableName: name }))).Table!;
    expect(table.KeySchema).toEqual([
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ]);
    expect(table.AttributeDefinitions!.every((a) => a.AttributeType === 'S')).toBe(true);
    expect(
      table.GlobalSecondaryIndexes!.map((g) => ({ name: g.IndexName, keys: g.KeySchema, projection: g.Projection })),
    ).toEqual(
      expect.arrayContaining([
        {
          name: 'GSI1',
          keys: [
            { AttributeName: 'GSI1PK', KeyType: 'HASH' },
            { AttributeName: 'GSI1SK', KeyType: 'RANGE' },
          ],
          projection: { ProjectionType: 'ALL' },
        },
        {
          name: 'GSI2',
          keys: [
            { AttributeName: 'GSI2PK', KeyType: 'HASH' },
            { AttributeName: 'GSI2SK', KeyType: 'RANGE' },
          ],
          projection: { ProjectionType: 'ALL' },
        },
      ]),
    );
    expect(table.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
  });
});

describe('the queues', () => {
  it("are created like the stack's: DLQ retention, visibility timeout, redrive policy; idempotent", async () => {
    const q = await freshQueue({ visibilityTimeoutSeconds: 42, maxReceiveCount: 4, dlqRetentionDays: 14 });
    const again = await createQueues(sqs, [q.definition]);
    expect(again.usage).toEqual({ url: q.url, arn: q.arn, dlqUrl: q.dlqUrl, dlqArn: q.dlqArn });
    const main = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.url, AttributeNames: ['All'] }));
    expect(main.Attributes!.VisibilityTimeout).toBe('42');
    expect(JSON.parse(main.Attributes!.RedrivePolicy!)).toEqual({ deadLetterTargetArn: q.dlqArn, maxReceiveCount: 4 });
    const dlq = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.dlqUrl, AttributeNames: ['All'] }));
    expect(dlq.Attributes!.MessageRetentionPeriod).toBe(String(14 * 86_400));
  });

  it("the test stack created the product's queues", async () => {
    const names = (await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? [];
    for (const def of QUEUES) {
      expect(names.some((u) => u.endsWith(`/${def.name}`))).toBe(true);
      expect(names.some((u) => u.endsWith(`/${def.name}-dlq`))).toBe(true);
    }
    expect(process.env.USAGE_QUEUE_URL).toMatch(/billing-usage$/);
    expect(process.env.USAGE_DLQ_URL).toMatch(/billing-usage-dlq$/);
    expect(process.env.STRIPE_EVENTS_DLQ_URL).toMatch(/billing-stripe-events-dlq$/);
  });

  it('startSqs runs fauxqs in a child process on a free port, loopback only, and stop() ends it', async () => {
    const supervisor = new Supervisor();
    const local = await startSqs({ port: 0, supervisor });
    try {
      expect(local.endpoint).toBe(`http://127.0.0.1:${local.port}`);
      const client = localSqsClient(local.endpoint);
      const created = await createQueues(client, [QUEUES[0]!]);
      expect(created.usage.arn).toBe('arn:aws:sqs:us-east-1:000000000000:billing-usage');
      client.destroy();
    } finally {
      await local.stop();
    }
    await expect(fetch(`${local.endpoint}/health`)).rejects.toThrow();
  });
});

describe('ports', () => {
  it('a taken port fails with a message that says which part, which port and what to do', async () => {
    const server: Server = createServer();
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    try {
      const error = await assertPortFree(port, 'DynamoDB Local', 'LOCAL_DYNAMODB_PORT').catch((e: Error) => e);
      expect(error).toBeInstanceOf(PortTakenError);
      expect((error as Error).message).toContain(`port ${port} for DynamoDB Local is already in use`);
      expect((error as Error).message).toContain('LOCAL_DYNAMODB_PORT=<port>');
      await expect(startSqs({ port })).rejects.toThrow(/already in use/);
    } finally {
      server.close();
    }
  });
});

describe('the process supervisor', () => {
  const stubborn =
    "process.on('SIGTERM', () => {}); require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); setInterval(() => {}, 1000);";

  it('kills the whole process group of a child on stop, even one that ignores SIGTERM', async () => {
    const supervisor = new Supervisor();
    const child = supervisor.spawn('stubborn', process.execPath, ['-e', stubborn], { selfGuarded: true });
    await sleep(300);
    await supervisor.stop(300);
    expect(alive(child.process.pid!)).toBe(false);
    expect(groupAlive(child.process.pid!)).toBe(false); // nothing left in its group (the grandchild included)
  });

  it('reports a child that dies unexpectedly, but not one stopped on purpose', async () => {
    const exits: { name: string; exit: ChildExit }[] = [];
    const supervisor = new Supervisor((name, exit) => exits.push({ name, exit }));
    supervisor.spawn('crasher', process.execPath, ['-e', 'setTimeout(() => process.exit(3), 100)']);
    supervisor.spawn('calm', process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    await until(() => exits.length === 1, 5000);
    expect(exits[0]).toMatchObject({ name: 'crasher', exit: { code: 3 } });
    await supervisor.stopChild('calm');
    await supervisor.stop();
    expect(exits).toHaveLength(1);
  });

  it('if the guard itself is SIGKILLed, the exit is reported and stop() still kills the command left in its group', async () => {
    const exits: string[] = [];
    const supervisor = new Supervisor((name) => exits.push(name));
    const guarded = supervisor.spawn('sleeper', 'sleep', ['300']);
    await sleep(300);
    const group = guarded.process.pid!;
    process.kill(group, 'SIGKILL'); // the guard only: `sleep` lives on in the group
    await until(() => exits.length === 1, 5000);
    expect(groupAlive(group)).toBe(true);
    await supervisor.stop(500);
    expect(groupAlive(group)).toBe(false);
  });

  it('a guarded command dies with its runtime even when the runtime is SIGKILLed (no handler runs)', async () => {
    // A throwaway "runtime": a node process that supervises a sleeper, prints the sleeper's pid, waits.
    const runtime = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `const { Supervisor } = require(${JSON.stringify(join(__dirname, '../../../scripts/local/processes.ts'))});
         const s = new Supervisor();
         const c = s.spawn('sleeper', 'sleep', ['300']);
         setTimeout(() => console.log(c.process.pid), 300);
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOCAL_QUIET: 'true' } },
    );
    // The guard leads the sleeper's process group: the group is alive while either of them is.
    const group = await new Promise<number>((resolve) =>
      runtime.stdout.on('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
    );
    expect(groupAlive(group)).toBe(true);
    runtime.kill('SIGKILL');
    await until(() => !groupAlive(group), 6000, 'the sleeper to die with its runtime');
  });
});
