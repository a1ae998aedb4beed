import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { QUEUES } from '../../functions/queues';
import { ROLES } from '../../functions/routes';
import { SCHEDULES } from '../../functions/schedules';
import { LOCAL_TABLE_NAME } from '../../functions/table-schema';
import { ensureTable } from './create-table';
import { loadOrCreateDevKeys, mintToken } from './dev-auth';
import { localDynamoClient, startDynamoDbLocal } from './dynamodb-local';
import { startGateway } from './gateway';
import { log } from './log';
import { type SqsHandler, startPoller } from './poller';
import { assertPortFree, Supervisor, waitFor } from './processes';
import { startScheduler } from './scheduler';
import { createQueues, localSqsClient, startSqs } from './sqs';

/**
 * `npm start`: the whole product on one machine, on real parts — DynamoDB Local (persisted under
 * .data/), fauxqs, the Stripe sandbox (or real Stripe test mode with STRIPE_SECRET_KEY), the local API
 * gateway, a poller per queue and the schedules — all running the same handler modules as the Lambdas.
 */
const ROOT = resolve(__dirname, '../..');
const { values: flags } = parseArgs({
  options: {
    fresh: { type: 'boolean', default: false },
    speed: { type: 'string', default: process.env.CLOCK_FACTOR ?? '1' },
    'data-dir': { type: 'string', default: process.env.LOCAL_DATA_DIR ?? join(ROOT, '.data') },
  },
});
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const PORTS = {
  api: port('LOCAL_API_PORT', 3000),
  dynamodb: port('LOCAL_DYNAMODB_PORT', 8000),
  sqs: port('LOCAL_SQS_PORT', 9324),
  stripe: port('LOCAL_STRIPE_PORT', 12111),
};
const DEMO_ORG = 'org_demo';

async function main() {
  const started = Date.now();
  const supervisor = new Supervisor(() => void supervisor.stop().then(() => process.exit(1)));
  supervisor.installSignalHandlers();
  const dataDir = resolve(flags['data-dir']!);
  if (flags.fresh) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const speed = Number(flags.speed);
  if (!(speed > 0)) throw new Error('--speed must be a positive number');

  await assertPortFree(PORTS.api, 'the API', 'LOCAL_API_PORT');
  const [dynamo, sqs] = await Promise.all([
    startDynamoDbLocal({
      port: PORTS.dynamodb,
      dataDir: join(dataDir, 'dynamodb'),
      logFile: join(dataDir, 'dynamodb-local.log'),
      supervisor,
    }),
    startSqs(PORTS.sqs),
  ]);
  supervisor.onStop(() => sqs.stop());
  await ensureTable(localDynamoClient(dynamo.endpoint), LOCAL_TABLE_NAME);
  const sqsClient = localSqsClient(sqs.endpoint);
  const queues = await createQueues(sqsClient, QUEUES);

  const apiUrl = `http://127.0.0.1:${PORTS.api}`;
  const stripe = await startStripe(supervisor, dataDir, `${apiUrl}/v1/webhooks/stripe`);

  // The handlers read their configuration from the environment, exactly as in Lambda: set it before
  // any handler module is imported.
  Object.assign(process.env, {
    TABLE_NAME: LOCAL_TABLE_NAME,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    SQS_ENDPOINT: sqs.endpoint,
    USAGE_QUEUE_URL: queues.usage.url,
    STRIPE_EVENTS_QUEUE_URL: queues.stripeEvents.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    NOTIFICATIONS_DIR: join(dataDir, 'notifications'),
    CLOCK_FACTOR: String(speed),
    POWERTOOLS_SERVICE_NAME: 'billing',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    ...stripe.env,
  });

  const keys = await loadOrCreateDevKeys(join(dataDir, 'dev-keys'));
  const gateway = await startGateway({ port: PORTS.api, keys, root: ROOT });
  supervisor.onStop(() => gateway.close());

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
      definition: def,
      handler,
      retryDelaySeconds: Math.max(1, Math.round(def.visibilityTimeoutSeconds / speed)),
    });
    supervisor.onStop(() => poller.stop());
  }
  const scheduler = startScheduler({ schedules: SCHEDULES, speed, root: ROOT, runAtStart: true });
  supervisor.onStop(() => scheduler.stop());

  const platform = await mintToken(keys, { sub: 'svc_platform', role: 'platform' });
  const provisioned = await fetch(`${apiUrl}/v1/orgs/${DEMO_ORG}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${platform}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Demo AI Co', default_currency: 'USD' }),
  });
  if (!provisioned.ok)
    throw new Error(`could not provision ${DEMO_ORG}: ${provisioned.status} ${await provisioned.text()}`);

  const tokens: string[] = [];
  for (const role of ROLES) {
    if (role === 'platform') continue;
    tokens.push(`${role}: ${await mintToken(keys, { sub: `user_${role}@${DEMO_ORG}`, org_id: DEMO_ORG, role })}`);
  }
  tokens.push(`platform: ${platform}`);

  process.stdout.write(`
Billing layer running locally (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)${speed !== 1 ? `, clock ×${speed}` : ''}

API            ${apiUrl}            (OpenAPI: ${apiUrl}/v1/openapi.json)
DynamoDB Local ${dynamo.endpoint}   (data in ${join(dataDir, 'dynamodb')})
SQS (fauxqs)   ${sqs.endpoint}
  usage queue  ${queues.usage.url}
Stripe         ${stripe.description}

Dev tokens for ${DEMO_ORG} (valid 12 h; more with: npm run token -- --org <id> --role <role>):
${tokens.join('\n')}

Try:
  curl -s ${apiUrl}/v1/health
  curl -s -H "authorization: Bearer <owner token>" ${apiUrl}/v1/orgs/${DEMO_ORG}/billing-status
  curl -s -H "authorization: Bearer <owner token>" ${apiUrl}/v1/plans

Send usage events (the agent runtime's path: SQS → consumer → aggregates):
  npx tsx scripts/local/send-usage.ts --org ${DEMO_ORG} --count 100
  or with the AWS CLI: aws --endpoint-url ${sqs.endpoint} sqs send-message --queue-url ${queues.usage.url} \\
    --message-body '{"id":"run_1:step_1","org_id":"${DEMO_ORG}","type":"llm_tokens","timestamp":"<now, ISO-8601>","model":"claude-sonnet-4","input_tokens":1200,"output_tokens":340}'
  then: curl -s -H "authorization: Bearer <owner token>" ${apiUrl}/v1/orgs/${DEMO_ORG}/usage/summary

Ctrl-C stops everything.
`);
  writeFileSync(
    join(dataDir, 'local-endpoints.json'),
    JSON.stringify(
      { api: apiUrl, dynamodb: dynamo.endpoint, sqs: sqs.endpoint, usageQueueUrl: queues.usage.url },
      null,
      2,
    ),
  );
}

/** Real Stripe test mode when STRIPE_SECRET_KEY is set; otherwise the local Stripe sandbox. */
async function startStripe(supervisor: Supervisor, dataDir: string, webhookUrl: string) {
  if (process.env.STRIPE_SECRET_KEY) {
    return {
      description: 'real Stripe (test mode): forward webhooks with `stripe listen --forward-to` to the webhook route',
      env: {},
    };
  }
  const secretFile = join(dataDir, 'stripe-webhook-secret');
  if (!existsSync(secretFile)) writeFileSync(secretFile, `whsec_${randomBytes(24).toString('hex')}`, { mode: 0o600 });
  const webhookSecret = readFileSync(secretFile, 'utf8').trim();
  const main = join(ROOT, 'scripts/stripe-sandbox/main.ts');
  if (!existsSync(main)) {
    log('WARN', 'the Stripe sandbox is not in this tree: payment routes will fail to reach Stripe');
    return { description: 'none (sandbox missing)', env: {} };
  }
  await assertPortFree(PORTS.stripe, 'the Stripe sandbox', 'LOCAL_STRIPE_PORT');
  const url = `http://127.0.0.1:${PORTS.stripe}`;
  supervisor.spawn(
    'stripe-sandbox',
    process.execPath,
    [
      '--import',
      'tsx',
      main,
      '--port',
      String(PORTS.stripe),
      '--webhook-url',
      webhookUrl,
      '--webhook-secret',
      webhookSecret,
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await waitFor('the Stripe sandbox', async () => {
    await fetch(url);
    return true;
  });
  return {
    description: `the local Stripe sandbox at ${url} (webhooks signed to ${webhookUrl})`,
    env: { STRIPE_API_URL: url, STRIPE_SECRET_KEY: 'sk_test_local_sandbox', STRIPE_WEBHOOK_SECRETS: webhookSecret },
  };
}

main().catch((error: Error) => {
  process.stderr.write(`\nnpm start failed: ${error.message}\n`);
  process.kill(process.pid, 'SIGTERM');
});
