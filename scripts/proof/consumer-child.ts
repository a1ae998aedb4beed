/**
 * The usage consumer as its own process, for the proof suite's kill scenario: a poller with Lambda's
 * event-source semantics feeding the consumer handler, on the queue named in PROOF_QUEUE_URL. The parent
 * SIGKILLs it mid-batch, again and again; nothing here tries to shut down gracefully.
 *
 * With PROOF_KILL_AFTER_BATCHES=n it kills itself once the handler has finished its n-th batch and before
 * the poller deletes the batch's messages: the one moment at which a consumer that dies has written
 * everything and acknowledged nothing, which a kill at a random time hits only now and then.
 */
import type { SQSEvent } from 'aws-lambda';
import { handler as consume } from '../../functions/usage/queue/consume-usage';
import { startPoller } from '../local/poller';
import { localSqsClient } from '../local/sqs';

let batchesBeforeKill = Number(process.env.PROOF_KILL_AFTER_BATCHES ?? 0);
const handler = async (event: SQSEvent) => {
  const response = await consume(event);
  if (batchesBeforeKill > 0 && --batchesBeforeKill === 0) process.kill(process.pid, 'SIGKILL');
  return response;
};

const sqs = localSqsClient(process.env.SQS_ENDPOINT!);
startPoller({
  sqs,
  queueUrl: process.env.PROOF_QUEUE_URL!,
  dlqUrl: process.env.PROOF_DLQ_URL!,
  definition: JSON.parse(process.env.PROOF_QUEUE_DEFINITION!),
  handler,
  waitTimeSeconds: 1,
});
process.stdout.write('ready\n');
