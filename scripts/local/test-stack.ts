import { QUEUES } from '../../functions/queues';
import { LOCAL_TABLE_NAME } from '../../functions/table-schema';
import { ensureTable } from './create-table';
import { localDynamoClient, startDynamoDbLocal } from './dynamodb-local';
import { freePort, Supervisor } from './processes';
import { createQueues, localSqsClient, startSqs } from './sqs';

/**
 * The integration tests' stack: an in-memory DynamoDB Local and fauxqs on free ports (several runs may
 * share this machine), with the table and queues created. Started by test/integration/global-setup.mjs
 * as a child process; prints one JSON line with the environment, then runs until SIGTERM.
 */
async function main() {
  const supervisor = new Supervisor(() => process.exit(1));
  supervisor.installSignalHandlers();
  const [dynamoPort, sqsPort] = await Promise.all([freePort(), freePort()]);
  const [dynamo, sqs] = await Promise.all([startDynamoDbLocal({ port: dynamoPort, supervisor }), startSqs(sqsPort)]);
  supervisor.onStop(() => sqs.stop());
  const client = localDynamoClient(dynamo.endpoint);
  await ensureTable(client, LOCAL_TABLE_NAME);
  const queues = await createQueues(localSqsClient(sqs.endpoint), QUEUES);
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
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  };
  process.stdout.write(`${JSON.stringify(env)}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`test stack failed to start: ${error.message}\n`);
  process.exit(1);
});
