import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { TABLE_SCHEMA } from '../../functions/table-schema';

/**
 * A private DynamoDB Local + fauxqs for the benchmark (and for running the usage tests by hand while
 * the shared test set-up is elsewhere). Random free ports: other engineers run tests on this machine.
 * The scripts/local helpers are preferred when present; this module only fills the gap.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const EMULATOR_DIRS = [process.env.DYNAMODB_LOCAL_DIR, '.cache/dynamodb-local/emulator', '/tmp/ddb/emulator'];

export function findEmulator(): string {
  for (const dir of EMULATOR_DIRS) if (dir && existsSync(`${dir}/DynamoDBLocal.jar`)) return dir;
  throw new Error(
    'DynamoDB Local not found: `npm pack amplify-dynamodb-simulator@2.9.30` and extract package/emulator to .cache/dynamodb-local/emulator (or set DYNAMODB_LOCAL_DIR)',
  );
}

export interface LocalDynamo {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startDynamoLocal(): Promise<LocalDynamo> {
  const dir = findEmulator();
  const port = await freePort();
  const child: ChildProcess = spawn(
    'java',
    [
      `-Djava.library.path=${dir}/DynamoDBLocal_lib`,
      '-jar',
      `${dir}/DynamoDBLocal.jar`,
      '-inMemory',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { stdio: 'ignore' },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(endpoint);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    endpoint,
    stop: async () => {
      child.kill('SIGTERM');
    },
  };
}

export async function createTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const names: string[] = [
    TABLE_SCHEMA.partitionKey,
    TABLE_SCHEMA.sortKey,
    ...TABLE_SCHEMA.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey]),
  ];
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: names.map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: TABLE_SCHEMA.globalSecondaryIndexes.map((g) => ({
        IndexName: g.indexName,
        KeySchema: [
          { AttributeName: g.partitionKey, KeyType: 'HASH' },
          { AttributeName: g.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.ttlAttribute, Enabled: true },
    }),
  );
  client.destroy();
}

export interface LocalSqs {
  endpoint: string;
  createQueue(name: string): string;
  stop(): Promise<void>;
}

export async function startSqs(): Promise<LocalSqs> {
  const { startFauxqs } = await import('fauxqs');
  const port = await freePort();
  const server = await startFauxqs({ port, logger: false, host: '127.0.0.1' });
  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    createQueue: (name) => server.createQueue(name).queueUrl,
    stop: () => server.stop(),
  };
}
