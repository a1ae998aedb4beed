import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { QUEUES } from '../../functions/queues';
import { ROLES } from '../../functions/routes';
import { SCHEDULES } from '../../functions/schedules';
import { LOCAL_TABLE_NAME } from '../../functions/table-schema';
import { prepareConsole } from './console';
import { ensureTable } from './create-table';
import { loadOrCreateDevKeys, mintToken } from './dev-auth';
import { ensureDynamoDbLocal, localDynamoClient, startDynamoDbLocal } from './dynamodb-local';
import { startGateway } from './gateway';
import { log } from './log';
import { type SqsHandler, startPoller } from './poller';
import { assertPortFree, readyLine, Supervisor } from './processes';
import { ensureBucket, LOCAL_EXPORTS_BUCKET, localS3Client } from './s3';
import { startScheduler } from './scheduler';
import { createQueues, localSqsClient, startSqs } from './sqs';

/**
 * `npm start`: the whole product on one machine, on real parts — DynamoDB Local (persisted under
 * .data/), fauxqs, the Stripe sandbox (or real Stripe test mode when STRIPE_SECRET_KEY is set), the
 * local API gateway, one poller per queue consumer and the schedules — all running the same handler
 * modules the Lambdas run.
 *
 * Options (a flag wins over its environment variable):
 *   --api-port / LOCAL_API_PORT (3000)          --dynamodb-port / LOCAL_DYNAMODB_PORT (8000)
 *   --sqs-port / LOCAL_SQS_PORT (9324)          --stripe-port / LOCAL_STRIPE_PORT (12111)
 *   --data-dir / LOCAL_DATA_DIR (.data)         --fresh: wipe the data folder first
 *   --speed N / CLOCK_FACTOR (1): schedules fire N× as often, the handlers' clock runs N× as fast, and
 *     failed queue records come back after visibility timeout / N
 *   --clock-start <ISO> / CLOCK_START: the product clock starts at this instant (e.g. a few minutes before
 *     a month end, with --speed 60, to watch a period close); tokens stay valid (they are checked against
 *     real time, as API Gateway checks them)
 *   --late-grace <30s|10m|1h> / LATE_GRACE_SECONDS (1h): how long an ended period waits for late events
 *     before its invoice is issued (a draft meanwhile)
 *   --retry-delay S / LOCAL_RETRY_DELAY_SECONDS: failed queue records come back after S seconds instead
 *     (Lambda waits for the whole visibility timeout; a demo may not want to)
 *   LOCAL_QUIET=true hides the runtime's INFO lines; POWERTOOLS_LOG_LEVEL (WARN) sets the handlers'.
 */
const ROOT = resolve(__dirname, '../..');
const { values: flags } = parseArgs({
  options: {
    fresh: { type: 'boolean', default: false },
    speed: { type: 'string' },
    'clock-start': { type: 'string' },
    'late-grace': { type: 'string' },
    'retry-delay': { type: 'string' },
    'data-dir': { type: 'string' },
    'api-port': { type: 'string' },
    'dynamodb-port': { type: 'string' },
    'sqs-port': { type: 'string' },
    'stripe-port': { type: 'string' },
  },
});

/** `90`, `90s`, `10m`, `1h` → seconds. */
function durationSeconds(raw: string | undefined, fallback: number, what: string): number {
  if (raw === undefined || raw === '') return fallback;
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(raw.trim());
  if (!m) throw new Error(`${what} must be a duration like 90s, 10m or 1h, got "${raw}"`);
  return Math.round(Number(m[1]) * ({ s: 1, m: 60, h: 3600 } as const)[(m[2] ?? 's') as 's' | 'm' | 'h']);
}

function numberOption(flag: string | undefined, envVar: string, fallback: number, what: string): number {
  const raw = flag ?? process.env[envVar];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${what} must be a non-negative number, got "${raw}"`);
  return value;
}

const DEMO_ORG = 'org_demo';
/** The key the sandbox accepts and the adapter sends (the sandbox rejects any other, as Stripe would). */
const SANDBOX_API_KEY = 'sk_test_local_sandbox';

async function main() {
  const started = Date.now();
  // The SDK's Node 20 notice is noise here (the runtime targets Node 22 on Lambda).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const ports = {
    api: numberOption(flags['api-port'], 'LOCAL_API_PORT', 3000, 'the API port'),
    dynamodb: numberOption(flags['dynamodb-port'], 'LOCAL_DYNAMODB_PORT', 8000, 'the DynamoDB port'),
    sqs: numberOption(flags['sqs-port'], 'LOCAL_SQS_PORT', 9324, 'the SQS port'),
    stripe: numberOption(flags['stripe-port'], 'LOCAL_STRIPE_PORT', 12111, 'the Stripe sandbox port'),
  };
  const speed = numberOption(flags.speed, 'CLOCK_FACTOR', 1, '--speed');
  if (!(speed > 0)) throw new Error('--speed must be greater than 0');
  const clockStart = flags['clock-start'] ?? process.env.CLOCK_START;
  if (clockStart !== undefined && Number.isNaN(Date.parse(clockStart))) {
    throw new Error(`--clock-start must be an ISO instant (e.g. 2026-11-30T23:50:00Z), got "${clockStart}"`);
  }
  // One anchor for every process's product clock (see RuntimeConfig.clockAnchorMs).
  const clock: RuntimeClock = {
    factor: speed,
    anchorMs: Date.now(),
    ...(clockStart ? { start: new Date(clockStart).toISOString() } : {}),
  };
  const lateGraceSeconds = durationSeconds(flags['late-grace'] ?? process.env.LATE_GRACE_SECONDS, 3600, '--late-grace');
  const retryDelayRaw = flags['retry-delay'] ?? process.env.LOCAL_RETRY_DELAY_SECONDS;
  const dataDir = resolve(flags['data-dir'] ?? process.env.LOCAL_DATA_DIR ?? join(ROOT, '.data'));

  if (flags.fresh) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });

  // Every port up front, so a clash is reported before anything starts.
  await assertPortFree(ports.api, 'the API', 'LOCAL_API_PORT');
  await assertPortFree(ports.dynamodb, 'DynamoDB Local', 'LOCAL_DYNAMODB_PORT');
  await assertPortFree(ports.sqs, 'the local SQS endpoint (fauxqs)', 'LOCAL_SQS_PORT');
  if (!process.env.STRIPE_SECRET_KEY) await assertPortFree(ports.stripe, 'the Stripe sandbox', 'LOCAL_STRIPE_PORT');
  await ensureDynamoDbLocal(); // the first run fetches it (a few seconds, once)

  const apiUrl = `http://127.0.0.1:${ports.api}`;
  // The three children start side by side (the JVM and tsx's first compile dominate start-up).
  const [dynamo, sqs, stripe] = await Promise.all([
    startDynamoDbLocal({
      port: ports.dynamodb,
      dataDir: join(dataDir, 'dynamodb'),
      logFile: join(dataDir, 'dynamodb-local.log'),
      supervisor,
    }),
    // fauxqs keeps everything in memory: a restart drops queued messages (the queues are re-created
    // below). Accepted locally — see scripts/local/sqs.ts.
    startSqs({ port: ports.sqs, supervisor }),
    startStripe(ports.stripe, dataDir, `${apiUrl}/v1/webhooks/stripe`, clock),
  ]);
  const dynamoClient = localDynamoClient(dynamo.endpoint);
  await ensureTable(dynamoClient, LOCAL_TABLE_NAME);
  dynamoClient.destroy();
  const sqsClient = localSqsClient(sqs.endpoint);
  const queues = await createQueues(sqsClient, QUEUES);
  const s3Client = localS3Client(sqs.endpoint);
  await ensureBucket(s3Client, LOCAL_EXPORTS_BUCKET);
  s3Client.destroy();

  // The handlers read their configuration from the environment, exactly as in Lambda (functions/
  // config.ts): it is set here, before any handler module is imported — the gateway, the pollers and
  // the scheduler all import handlers lazily, after this point.
  Object.assign(process.env, {
    TABLE_NAME: LOCAL_TABLE_NAME,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    SQS_ENDPOINT: sqs.endpoint,
    USAGE_QUEUE_URL: queues.usage.url,
    STRIPE_EVENTS_QUEUE_URL: queues.stripeEvents.url,
    EXPORTS_QUEUE_URL: queues.exports.url,
    EXPORTS_BUCKET: LOCAL_EXPORTS_BUCKET,
    S3_ENDPOINT: sqs.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    NOTIFICATIONS_DIR: join(dataDir, 'notifications'),
    CLOCK_FACTOR: String(speed),
    ...(clockStart ? { CLOCK_START: new Date(clockStart).toISOString() } : {}),
    CLOCK_ANCHOR_MS: String(clock.anchorMs),
    LATE_GRACE_SECONDS: String(lateGraceSeconds),
    POWERTOOLS_SERVICE_NAME: 'billing',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    // Metrics are CloudWatch's (embedded in log lines); locally the logs say the same.
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    ...stripe.env,
  });

  const keys = await loadOrCreateDevKeys(join(dataDir, 'dev-keys'));
  const consoleSite = await prepareConsole({ stripeEnv: stripe.env, sandboxApiKey: SANDBOX_API_KEY });
  const gateway = await startGateway({ port: ports.api, keys, serveOther: consoleSite.serve });
  supervisor.onStop('gateway', () => gateway.close());

  const retryDelaySeconds = (def: (typeof QUEUES)[number]) =>
    retryDelayRaw !== undefined && retryDelayRaw !== ''
      ? Number(retryDelayRaw)
      : speed === 1
        ? undefined // Lambda: the whole visibility timeout
        : Math.max(1, Math.round(def.visibilityTimeoutSeconds / speed));
  for (const def of QUEUES) {
    if (!def.consumerEntry) {
      log('WARN', 'queue has no consumer yet: messages wait in it', { queue: def.name });
      continue;
    }
    const { handler } = (await import(resolve(ROOT, def.consumerEntry))) as { handler: SqsHandler };
    const created = queues[def.id];
    const poller = startPoller({
      sqs: sqsClient,
      queueUrl: created.url,
      queueArn: created.arn,
      dlqUrl: created.dlqUrl,
      definition: def,
      handler,
      retryDelaySeconds: retryDelaySeconds(def),
    });
    supervisor.onStop(`poller ${def.name}`, () => poller.stop());
  }
  const scheduler = startScheduler({ schedules: SCHEDULES, speed, root: ROOT, runAtStart: true });
  supervisor.onStop('scheduler', () => scheduler.stop());

  // The demo org is provisioned through the API itself, as the platform would (PUT is idempotent).
  const platform = await mintToken(keys, { sub: 'svc_platform', role: 'platform' });
  const provisioned = await fetch(`${apiUrl}/v1/orgs/${DEMO_ORG}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${platform}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Demo AI Co', default_currency: 'USD' }),
  });
  if (!provisioned.ok) {
    log('ERROR', `could not provision ${DEMO_ORG}; the API is up, the demo org may be missing`, {
      status: provisioned.status,
      body: (await provisioned.text()).slice(0, 500),
    });
  }

  const tokens: string[] = [];
  let ownerToken = '';
  for (const role of ROLES) {
    if (role === 'platform') continue;
    const token = await mintToken(keys, { sub: `user_${role}@${DEMO_ORG}`, org_id: DEMO_ORG, role });
    if (role === 'owner') ownerToken = token;
    tokens.push(`${role}: ${token}`);
  }
  tokens.push(`platform: ${platform}`);

  const endpoints = {
    api: apiUrl,
    dynamodb: dynamo.endpoint,
    sqs: sqs.endpoint,
    usageQueueUrl: queues.usage.url,
    // The sandbox's URL and key (absent with real Stripe): a client acting as Stripe.js confirms there.
    ...('STRIPE_API_URL' in stripe.env
      ? { stripeSandboxUrl: stripe.env.STRIPE_API_URL, stripeSandboxApiKey: SANDBOX_API_KEY }
      : {}),
    // The local identity provider's key pair (dev-auth.ts loadOrCreateDevKeys): scripts mint tokens with it.
    devKeysDir: join(dataDir, 'dev-keys'),
    notificationsDir: join(dataDir, 'notifications'),
  };
  writeFileSync(join(dataDir, 'local-endpoints.json'), `${JSON.stringify(endpoints, null, 2)}\n`);
  const rel = (p: string) => {
    const r = relative(process.cwd(), p);
    return r === '' ? '.' : r.startsWith('..') ? p : r;
  };
  const dataFlag = dataDir === join(ROOT, '.data') ? '' : ` --data-dir ${rel(dataDir)}`;
  const sendUsage = `npx tsx ${rel(join(ROOT, 'scripts/local/send-usage.ts'))}${dataFlag}`;

  process.stdout.write(`
Billing layer running locally — ready in ${((Date.now() - started) / 1000).toFixed(1)} s${speed !== 1 ? ` (clock ×${speed})` : ''}${clockStart ? `, product clock started at ${new Date(clockStart).toISOString()}` : ''}

API             ${apiUrl}   (OpenAPI: ${apiUrl}/v1/openapi.json)
Console         ${consoleSite.link(apiUrl, ownerToken)}
                (signed in as the ${DEMO_ORG} owner; another role: put its token after #token=)
DynamoDB Local  ${dynamo.endpoint}   (data: ${rel(join(dataDir, 'dynamodb'))}, log: ${rel(dynamo.logFile)})
SQS (fauxqs)    ${sqs.endpoint}   (in memory)
  usage queue   ${queues.usage.url}
S3 (fauxqs)     ${sqs.endpoint}/${LOCAL_EXPORTS_BUCKET}   (billing exports, in memory)
Stripe          ${stripe.description}

Dev tokens for ${DEMO_ORG} (12 h; more: npm run token -- --org <id> --role <role>):
${tokens.join('\n')}

Try:
  curl -s ${apiUrl}/v1/health
  TOKEN=<the owner token above>
  curl -s -H "authorization: Bearer $TOKEN" ${apiUrl}/v1/plans
  curl -s -H "authorization: Bearer $TOKEN" ${apiUrl}/v1/orgs/${DEMO_ORG}/billing-status

Send usage events the way the agent runtime does (SQS → consumer → aggregates):
  ${sendUsage} --org ${DEMO_ORG} --count 100
  curl -s -H "authorization: Bearer $TOKEN" ${apiUrl}/v1/orgs/${DEMO_ORG}/usage/summary

Download the full billing export (builds it, then follows the redirect to the file):
  curl -L --retry 10 --retry-delay 1 -H "authorization: Bearer $TOKEN" ${apiUrl}/v1/orgs/${DEMO_ORG}/export -o export.json

Ctrl-C stops everything (DynamoDB data is kept; --fresh starts over).
`);
}

/** The product clock of the local runtime: it reads `start` (else the anchor) at real time `anchorMs`, running `factor`× as fast. */
interface RuntimeClock {
  readonly factor: number;
  readonly anchorMs: number;
  readonly start?: string;
}

/**
 * Real Stripe test mode when STRIPE_SECRET_KEY is set (webhooks then come through `stripe listen
 * --forward-to <api>/v1/webhooks/stripe`, whose secret goes in STRIPE_WEBHOOK_SECRETS); otherwise the
 * local Stripe sandbox as a supervised child.
 */
async function startStripe(port: number, dataDir: string, webhookUrl: string, clock: RuntimeClock) {
  if (process.env.STRIPE_SECRET_KEY) {
    return {
      description: `real Stripe (test mode); forward webhooks with: stripe listen --forward-to ${webhookUrl}`,
      env: {},
    };
  }
  // One webhook secret per data folder, so the sandbox and the webhook route agree across restarts.
  const secretFile = join(dataDir, 'stripe-webhook-secret');
  if (!existsSync(secretFile)) writeFileSync(secretFile, `whsec_${randomBytes(24).toString('hex')}`, { mode: 0o600 });
  const webhookSecret = readFileSync(secretFile, 'utf8').trim();
  const entry = join(ROOT, 'scripts/stripe-sandbox/main.ts');
  if (!existsSync(entry)) {
    log(
      'WARN',
      'the Stripe sandbox (scripts/stripe-sandbox/main.ts) is not there yet: payment routes cannot reach Stripe',
    );
    return { description: 'none: scripts/stripe-sandbox/main.ts does not exist yet', env: {} };
  }
  await assertPortFree(port, 'the Stripe sandbox', 'LOCAL_STRIPE_PORT');
  // The sandbox's interface (scripts/stripe-sandbox/main.ts): flags for port, host, webhook URL, signing
  // secret, API key and state file; one JSON line `{"url","port"}` on stdout once it listens; logs on stderr.
  const child = supervisor.spawn(
    'stripe-sandbox',
    process.execPath,
    [
      '--import',
      'tsx',
      entry,
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--webhook-url',
      webhookUrl,
      '--webhook-secret',
      webhookSecret,
      '--api-key',
      SANDBOX_API_KEY,
      // Its account lives beside DynamoDB's data, so the product's cus_…/pm_… ids still resolve after a restart.
      '--state-file',
      join(dataDir, 'stripe-sandbox', 'state.json'),
      // Stripe's clock is the product's (same start, speed and anchor), as it is real time on AWS.
      ...(clock.start ? ['--clock-start', clock.start] : []),
      '--clock-factor',
      String(clock.factor),
      '--clock-anchor-ms',
      String(clock.anchorMs),
    ],
    { cwd: ROOT, stdout: 'pipe', stderr: 'inherit', armed: false },
  );
  const { url } = await readyLine<{ url: string }>(child, 'the Stripe sandbox', 30_000);
  child.arm();
  return {
    description: `the local Stripe sandbox at ${url} (webhooks signed to ${webhookUrl})`,
    env: { STRIPE_API_URL: url, STRIPE_SECRET_KEY: SANDBOX_API_KEY, STRIPE_WEBHOOK_SECRETS: webhookSecret },
  };
}

// A child dying (DynamoDB Local, fauxqs, the sandbox) takes the runtime down cleanly: half a stack
// would fail in confusing ways.
const supervisor = new Supervisor((name) => {
  log('ERROR', `${name} stopped: shutting the local runtime down`);
  void supervisor.stop().then(() => process.exit(1));
});
supervisor.installSignalHandlers();

main().catch((error: Error) => {
  process.stderr.write(`\nnpm start failed: ${error.message}\n`);
  void supervisor.stop().then(() => process.exit(1));
});
