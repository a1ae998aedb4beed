import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { log } from './log';
import { assertPortFree, Supervisor, waitFor } from './processes';

const run = promisify(execFile);

/**
 * DynamoDB Local, the real thing: the jar AWS ships, taken from the npm package that bundles it
 * (amplify-dynamodb-simulator) so it comes from the npm registry like every other dependency. It is
 * `npm pack`ed once into .cache/ and never `npm install`ed (that package drags in ~350 MB).
 *
 * DynamoDB Local has no bind-address option: it listens on all interfaces. Every client here talks to
 * 127.0.0.1.
 */
export const DYNAMODB_LOCAL_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const ROOT = resolve(__dirname, '../..');
export const DEFAULT_CACHE_DIR = join(ROOT, '.cache/dynamodb-local');

/**
 * Returns the folder holding DynamoDBLocal.jar, fetching it first if needed. Safe when several
 * processes (parallel test runs, `npm start` beside `npm test`) fetch at once: each extracts into its
 * own temporary folder *inside* the cache (same file system, so the final rename is atomic) and
 * renames it into place; a loser of that race finds the winner's complete copy and discards its own.
 * The jar is therefore either absent or complete, never half-written.
 */
export async function ensureDynamoDbLocal(cacheDir = DEFAULT_CACHE_DIR): Promise<string> {
  const emulator = join(cacheDir, 'emulator');
  const jar = join(emulator, 'DynamoDBLocal.jar');
  if (existsSync(jar)) return emulator;
  const started = Date.now();
  log('INFO', 'fetching DynamoDB Local (once)', { from: DYNAMODB_LOCAL_PACKAGE, to: emulator });
  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(join(cacheDir, '.fetch-'));
  try {
    const { stdout } = await run(
      'npm',
      ['pack', DYNAMODB_LOCAL_PACKAGE, '--silent', '--json', '--pack-destination', work],
      { env: { ...process.env, NPM_CONFIG_UPDATE_NOTIFIER: 'false', NPM_CONFIG_FUND: 'false' }, maxBuffer: 64 << 20 },
    ).catch((error: Error & { stderr?: string }) => {
      throw new Error(`could not fetch ${DYNAMODB_LOCAL_PACKAGE} with npm pack: ${error.stderr || error.message}`);
    });
    const tarball = (JSON.parse(stdout) as { filename: string }[])[0]!.filename;
    await run('tar', ['xzf', join(work, tarball), '-C', work, 'package/emulator']);
    if (!existsSync(join(work, 'package/emulator/DynamoDBLocal.jar'))) {
      throw new Error(`${DYNAMODB_LOCAL_PACKAGE} no longer contains emulator/DynamoDBLocal.jar`);
    }
    try {
      await rename(join(work, 'package/emulator'), emulator);
    } catch (error) {
      // ENOTEMPTY/EEXIST: another process won the race. Anything else with no jar in place is real.
      if (!existsSync(jar)) throw error;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  log('INFO', 'DynamoDB Local fetched', { ms: Date.now() - started });
  return emulator;
}

export function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'DynamoDB Local needs Java (17 or newer), and `java` was not found on PATH. Install it with:\n' +
        '  sudo apt-get install -y openjdk-17-jre-headless',
    );
  }
}

export interface DynamoDbLocalOptions {
  port: number;
  /** Persist under this folder (-sharedDb -dbPath): a restart keeps the data. */
  dataDir?: string;
  /** In memory (the default when no dataDir is given): for tests. */
  inMemory?: boolean;
  /** Java's output goes here (appended), never to the console. Default: <dataDir or tmp>/dynamodb-local.log */
  logFile?: string;
  /** Supervises the JVM; a private one is created when not given (then `stop()` is the only way to end it). */
  supervisor?: Supervisor;
  cacheDir?: string;
  readyTimeoutMs?: number;
  /**
   * JVM flags for start-up time over peak throughput (C1 JIT only, serial GC): ready in about half the
   * time on a small, busy machine. For test stacks; the dev runtime and benchmarks keep the defaults.
   */
  fastStart?: boolean;
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  logFile: string;
  stop(): Promise<void>;
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  assertJava();
  if (options.dataDir && options.inMemory)
    throw new Error('startDynamoDbLocal: dataDir and inMemory exclude each other');
  await assertPortFree(options.port, 'DynamoDB Local', 'LOCAL_DYNAMODB_PORT');
  const emulator = await ensureDynamoDbLocal(options.cacheDir);
  // -sharedDb in both modes: without it each access key + region pair sees its own database, and a
  // client configured slightly differently would silently find no tables.
  const storage = options.dataDir ? ['-sharedDb', '-dbPath', options.dataDir] : ['-sharedDb', '-inMemory'];
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const logFile = options.logFile ?? join(options.dataDir ?? tmpdir(), `dynamodb-local-${options.port}.log`);
  const out = await open(logFile, 'a');
  const supervisor = options.supervisor ?? new Supervisor();
  const name = `dynamodb-local:${options.port}`;
  const child = supervisor.spawn(
    name,
    'java',
    [
      ...(options.fastStart ? ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'] : []),
      `-Djava.library.path=${join(emulator, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(emulator, 'DynamoDBLocal.jar'),
      ...storage,
      '-disableTelemetry',
      '-port',
      String(options.port),
    ],
    // The working folder matters: DynamoDB Local drops a metadata file into it.
    { stdout: out.fd, stderr: out.fd, cwd: options.dataDir ?? tmpdir(), armed: false },
  );
  await out.close(); // the child holds its own copy of the descriptor
  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = localDynamoClient(endpoint);
  try {
    await waitFor(
      'DynamoDB Local',
      async () => {
        await client.send(new ListTablesCommand({}));
        return true;
      },
      { timeoutMs: options.readyTimeoutMs ?? 30_000, exited: child.exited },
    );
  } catch (error) {
    await supervisor.stopChild(name);
    throw new Error(`${(error as Error).message} (Java's output: ${logFile})`);
  } finally {
    client.destroy();
  }
  child.arm();
  // With a shared supervisor, stop only this child: the supervisor may still be running other parts.
  const stop = () => (options.supervisor ? supervisor.stopChild(name) : supervisor.stop());
  return { endpoint, port: options.port, logFile, stop };
}

/** Every local client uses fixed dummy credentials and region (see -sharedDb above). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function localDynamoClient(endpoint: string, region = 'us-east-1'): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
}
