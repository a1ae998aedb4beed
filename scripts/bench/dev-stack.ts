import { createTable, startDynamoLocal, startSqs } from './local-stack';

/** `tsx scripts/bench/dev-stack.ts`: a private DynamoDB Local + fauxqs; prints the environment to export. */
async function main() {
  const dynamo = await startDynamoLocal();
  await createTable(dynamo.endpoint, 'billing');
  const sqs = await startSqs();
  console.log(
    `export DYNAMODB_ENDPOINT=${dynamo.endpoint} SQS_ENDPOINT=${sqs.endpoint} TABLE_NAME=billing AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1`,
  );
  process.on('SIGTERM', async () => {
    await dynamo.stop();
    await sqs.stop();
    process.exit(0);
  });
}

void main();
