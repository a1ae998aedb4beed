import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { StripeSandbox } from '../../scripts/stripe-sandbox';

/**
 * Polls `probe` until it answers something other than undefined (a thrown error counts as not yet);
 * fails naming `what`, and the last error, after `timeoutMs`.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Every webhook the sandbox sends delivered (or given up), then every queued event reconciled and deleted. */
export async function stripeEventsSettled(
  sandbox: StripeSandbox,
  sqs: SQSClient,
  queueUrl: string,
  timeoutMs: number,
): Promise<void> {
  await sandbox.control.settled(timeoutMs);
  await until(
    'the Stripe-events queue to drain',
    async () => {
      const out = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      const inQueue =
        Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
        Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
      return inQueue === 0 ? true : undefined;
    },
    timeoutMs,
  );
}
