import { QUEUES } from '../../functions/queues';
import { ROUTES } from '../../functions/routes';
import { LOCAL_TABLE_NAME } from '../../functions/table-schema';
import { ensureTable } from './create-table';
import { type DynamoDbLocal, localDynamoClient, startDynamoDbLocal } from './dynamodb-local';
import { log } from './log';
import { exitWhenStdinCloses, freePort, Supervisor } from './processes';
import { ensureBucket, LOCAL_EXPORTS_BUCKET, localS3Client } from './s3';
import { createQueues, localSqsClient, startSqs } from './sqs';

/**
 * The integration tests' stack: an in-memory DynamoDB Local and fauxqs on free ports (several test runs
 * may share this machine, so never fixed ones), with the table and the product's queues created.
 * Started by test/integration/global-setup.mjs as a detached child: prints one JSON line with the
 * environment for the tests, then runs until SIGTERM — or until its stdin closes, which means jest died
 * without running the teardown (Ctrl-C, a crash): then it stops its children and exits, so no JVM is
 * left behind.
 */
const supervisor = new Supervisor(() => void supervisor.stop().then(() => process.exit(1)));

async function main() {
  const started = Date.now();
  // The SDK's Node 20 notice is noise here (the runtime targets Node 22 on Lambda).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  supervisor.installSignalHandlers();
  exitWhenStdinCloses(() => void supervisor.stop().then(() => process.exit(0)));

  const [dynamo, sqs] = await Promise.all([startDynamoOnAFreePort(), startSqs({ port: 0, supervisor })]);
  const client = localDynamoClient(dynamo.endpoint);
  const sqsClient = localSqsClient(sqs.endpoint);
  const s3Client = localS3Client(sqs.endpoint);
  const [, queues] = await Promise.all([
    ensureTable(client, LOCAL_TABLE_NAME),
    createQueues(sqsClient, QUEUES),
    ensureBucket(s3Client, LOCAL_EXPORTS_BUCKET),
  ]);
  client.destroy();
  sqsClient.destroy();
  s3Client.destroy();
  const env = {
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    SQS_ENDPOINT: sqs.endpoint,
    TABLE_NAME: LOCAL_TABLE_NAME,
    USAGE_QUEUE_URL: queues.usage.url,
    USAGE_QUEUE_ARN: queues.usage.arn,
    USAGE_DLQ_URL: queues.usage.dlqUrl,
    STRIPE_EVENTS_QUEUE_URL: queues.stripeEvents.url,
    STRIPE_EVENTS_QUEUE_ARN: queues.stripeEvents.arn,
    STRIPE_EVENTS_DLQ_URL: queues.stripeEvents.dlqUrl,
    EXPORTS_QUEUE_URL: queues.exports.url,
    EXPORTS_DLQ_URL: queues.exports.dlqUrl,
    EXPORTS_BUCKET: LOCAL_EXPORTS_BUCKET,
    S3_ENDPOINT: sqs.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    LOCAL_STACK_STARTUP_MS: String(Date.now() - started),
    // For global-teardown's check that every route was requested by some test.
    ROUTE_IDS: ROUTES.map((r) => r.id).join(','),
  };
  process.stdout.write(`${JSON.stringify(env)}\n`);
}

/**
 * freePort() only says a port was free a moment ago; another run can take it before the JVM binds. The
 * JVM then exits at once, so try again on another port rather than fail the whole test run.
 */
async function startDynamoOnAFreePort(): Promise<DynamoDbLocal> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      // Fast-start JVM flags: measured on this 2-core machine, the stack is ready ~1.5 s sooner and the
      // whole integration suite is no slower (78 s vs 115 s in one paired run under load).
      // LOCAL_JVM_FAST_START=false turns them off.
      const fastStart = process.env.LOCAL_JVM_FAST_START !== 'false';
      return await startDynamoDbLocal({ port, inMemory: true, supervisor, fastStart });
    } catch (error) {
      if (attempt >= 3) throw error;
      log('WARN', 'DynamoDB Local did not start; trying another port', { port, error: String(error) });
    }
  }
}

main().catch((error: Error) => {
  process.stderr.write(`test stack failed to start: ${error.stack ?? error.message}\n`);
  void supervisor.stop().then(() => process.exit(1)); // stop what did start
});
