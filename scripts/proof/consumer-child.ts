/**
 * The usage consumer as its own process, for the proof suite's kill scenario: a poller with Lambda's
 * event-source semantics feeding the consumer handler, on the queue named in PROOF_QUEUE_URL. The parent
 * SIGKILLs it mid-batch, again and again; nothing here tries to shut down gracefully.
 */
import { handler } from '../../functions/usage/queue/consume-usage';
import { startPoller } from '../local/poller';
import { localSqsClient } from '../local/sqs';

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
