import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { ulid } from 'ulid';
import { periodOf } from '../../../functions/kernel/period';
import type { QueueDefinition } from '../../../functions/queues';
import { handler as consumeUsage } from '../../../functions/usage/queue/consume-usage';
import { startPoller } from '../../../scripts/local/poller';
import { createQueues, localSqsClient } from '../../../scripts/local/sqs';
import { newOrg, pick, prng, type Scenario, shuffle, Violations } from '../scenario';

/**
 * Poison on the usage queue, mixed into the same batches as good usage: malformed bodies, oversize and
 * invalid events (quarantined with their reason), and messages whose processing keeps failing (an org
 * whose writes the store refuses, injected below the SDK): those reach the DLQ after exactly
 * maxReceiveCount receives. None of it may hold up, lose or double the good usage beside it.
 */
export const poison: Scenario = {
  name: 'poison: malformed, oversize, failing',
  what: 'quarantined with reasons or dead-lettered after exactly maxReceiveCount; the rest counted',
  async run({ deps, scale, sqsEndpoint, progress }) {
    const rand = prng(7);
    const sqs = localSqsClient(sqsEndpoint);
    const definition: QueueDefinition = {
      id: 'usage',
      name: `proof-poison-${ulid().toLowerCase()}`,
      visibilityTimeoutSeconds: 2,
      maxReceiveCount: 3,
      batchSize: 25,
      maxBatchingWindowSeconds: 0,
      dlqRetentionDays: 1,
    };
    const queue = (await createQueues(sqs, [definition])).usage;
    const good = await newOrg(deps, 'poison_good');
    const doomed = await newOrg(deps, 'poison_doomed');
    const n = pick(
      scale,
      { good: 60, malformed: 10, invalid: 10, failing: 5 },
      { good: 1_000, malformed: 150, invalid: 150, failing: 50 },
    );
    const now = deps.clock.now().getTime();
    const event = (org: string, id: string, extra: Record<string, unknown> = {}) => ({
      id,
      org_id: org,
      type: 'agent_run',
      timestamp: new Date(now - 120_000).toISOString(),
      count: 1,
      ...extra,
    });
    const bodies: { body: string; kind: 'good' | 'malformed' | 'invalid' | 'failing' }[] = [
      ...Array.from({ length: n.good }, (_, i) => ({
        body: JSON.stringify(event(good, `g${i}`)),
        kind: 'good' as const,
      })),
      ...Array.from({ length: n.malformed }, (_, i) => ({
        body: i % 2 ? `{"id": "m${i}", "org_id": ` : `${'x'.repeat(200_000)}`,
        kind: 'malformed' as const,
      })),
      ...Array.from({ length: n.invalid }, (_, i) => ({
        body: JSON.stringify(
          i % 2 ? event(good, `i${i}`, { agent_id: 'a'.repeat(10_000) }) : event(good, `i${i}`, { count: -5 }),
        ),
        kind: 'invalid' as const,
      })),
      ...Array.from({ length: n.failing }, (_, i) => ({
        body: JSON.stringify(event(doomed, `f${i}`)),
        kind: 'failing' as const,
      })),
    ];
    // Every write of the doomed org's usage fails as a throttled store would (retryable, forever).
    const fault = ((next: (a: { input: Record<string, unknown> }) => Promise<unknown>) =>
      async (args: { input: Record<string, unknown> }) => {
        if (JSON.stringify(args.input.TransactItems ?? '').includes(`USAGE_EVENT#${doomed}#`)) {
          const error = new Error('injected: the store refuses this org');
          error.name = 'InternalServerError';
          throw error;
        }
        return next(args);
      }) as never;
    deps.db.middlewareStack.add(fault, { step: 'initialize', name: 'proofPoison' });
    // How often the consumer was handed each failing message: exactly maxReceiveCount before the DLQ.
    const handed = new Map<string, number>();
    const counted: typeof consumeUsage = (event) => {
      for (const r of event.Records) if (r.body.includes(doomed)) handed.set(r.body, (handed.get(r.body) ?? 0) + 1);
      return consumeUsage(event);
    };
    const poller = startPoller({
      sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      dlqUrl: queue.dlqUrl,
      definition,
      handler: counted,
      waitTimeSeconds: 1,
    });
    try {
      const ordered = shuffle(bodies, rand);
      for (let i = 0; i < ordered.length; i += 10) {
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queue.url,
            Entries: ordered.slice(i, i + 10).map((b, j) => ({ Id: String(j), MessageBody: b.body })),
          }),
        );
      }
      const violations = new Violations();
      const period = periodOf(deps.clock.now()).key;
      const dead: { body: string }[] = [];
      const deadline = Date.now() + pick(scale, 60_000, 240_000);
      for (;;) {
        const counted = (await deps.usageReader.periodTotals(good, period)).events;
        const out = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        for (const m of out.Messages ?? []) dead.push({ body: m.Body ?? '' });
        // Read once: a copy left in the DLQ would come back after its visibility timeout and count twice.
        if (out.Messages?.length) {
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queue.dlqUrl,
              Entries: out.Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
        }
        progress(counted + dead.length, n.good + n.failing);
        if (counted >= n.good && dead.length >= n.failing) break;
        if (Date.now() > deadline) {
          violations.add(`timed out: ${counted}/${n.good} good counted, ${dead.length}/${n.failing} dead-lettered`);
          break;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      const counted = (await deps.usageReader.periodTotals(good, period)).events;
      if (counted !== n.good) violations.add(`good usage counted ${counted} of ${n.good}`, Math.abs(counted - n.good));
      const deadFailing = dead.filter((d) => d.body.includes(doomed));
      if (deadFailing.length !== n.failing)
        violations.add(`${deadFailing.length} of ${n.failing} failing messages dead-lettered`);
      if (dead.length !== deadFailing.length)
        violations.add(`${dead.length - deadFailing.length} other messages dead-lettered`);
      for (const d of deadFailing) {
        const times = handed.get(d.body) ?? 0;
        if (times !== definition.maxReceiveCount)
          violations.add(
            `a failing message reached the consumer ${times} times before the DLQ (maxReceiveCount ${definition.maxReceiveCount})`,
          );
      }
      const rejected = await deps.usageReader.listRejected(good, { limit: 100 });
      let quarantined = rejected.data.length;
      for (let cursor = rejected.nextCursor; cursor; ) {
        const page = await deps.usageReader.listRejected(good, { limit: 100, cursor });
        quarantined += page.data.length;
        cursor = page.nextCursor;
      }
      const unknown = await deps.usageReader.listRejected(undefined, { limit: 100 });
      const malformedFound = unknown.data.filter((r) => r.reason === 'malformed_message').length;
      if (quarantined < n.invalid)
        violations.add(`${quarantined} of ${n.invalid} invalid events quarantined with the org`);
      if (malformedFound === 0 && n.malformed > 0) violations.add('no malformed message quarantined');
      return {
        trials: bodies.length,
        faults: n.malformed + n.invalid + n.failing,
        violations: violations.count,
        examples: violations.examples,
      };
    } finally {
      await poller.stop();
      deps.db.middlewareStack.remove('proofPoison');
      sqs.destroy();
    }
  },
};
