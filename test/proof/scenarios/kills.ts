import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { ulid } from 'ulid';
import { periodOf } from '../../../functions/kernel/period';
import type { QueueDefinition } from '../../../functions/queues';
import { publishUsage } from '../../../functions/usage/client/usage-publisher';
import type { UsageEventWire } from '../../../functions/usage/event-contract';
import { createQueues, localSqsClient } from '../../../scripts/local/sqs';
import { newOrg, pick, prng, type Scenario, Violations } from '../scenario';

const ROOT = resolve(__dirname, '../../..');

/**
 * The consumer process SIGKILLed mid-batch, again and again, while events keep flowing: a Lambda that
 * dies after some writes of a batch and before deleting its messages. After recovery every event is
 * counted exactly once (the messages come back after the visibility timeout; what was counted is a
 * duplicate the second time). Every other kill is at a random moment; the rest are the consumer killing
 * itself right after its first batch is written and before it is deleted, the moment a random kill
 * rarely hits and the one that double-counts when deduplication is broken. Those kills get events of
 * their own, sent just before the consumer starts (the streamed ones may all be consumed by then).
 */
export const kills: Scenario = {
  name: 'kills: consumer SIGKILLed mid-batch',
  what: 'kill -9 the consumer process while events flow; after recovery every event counted once',
  async run({ deps, scale, sqsEndpoint, progress }) {
    const rand = prng(99);
    const sqs = localSqsClient(sqsEndpoint);
    const definition: QueueDefinition = {
      id: 'usage',
      name: `proof-kills-${ulid().toLowerCase()}`,
      visibilityTimeoutSeconds: 2,
      maxReceiveCount: 1_000,
      batchSize: 50,
      maxBatchingWindowSeconds: 0,
      dlqRetentionDays: 1,
    };
    const queue = (await createQueues(sqs, [definition])).usage;
    const org = await newOrg(deps, 'kills');
    const killsWanted = pick(scale, 3, 50);
    const total = pick(scale, 1_500, 20_000);
    const now = deps.clock.now().getTime();
    const events: UsageEventWire[] = Array.from({ length: total }, (_, i) => ({
      id: `k${i}`,
      org_id: org,
      type: 'agent_run',
      timestamp: new Date(now - 60_000 - i).toISOString(),
      count: 1,
    }));
    const env = {
      ...process.env,
      PROOF_QUEUE_URL: queue.url,
      PROOF_DLQ_URL: queue.dlqUrl,
      PROOF_QUEUE_DEFINITION: JSON.stringify(definition),
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    };
    const start = (killAfterBatches?: number) =>
      new Promise<ChildProcess>((resolveChild, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/proof/consumer-child.ts'], {
          cwd: ROOT,
          env: killAfterBatches ? { ...env, PROOF_KILL_AFTER_BATCHES: String(killAfterBatches) } : env,
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        child.once('error', reject);
        child.stdout?.on('data', (c: Buffer) => {
          if (c.toString().includes('ready')) resolveChild(child);
        });
      });
    const counted = async () => (await deps.usageReader.periodTotals(org, periodOf(deps.clock.now()).key)).events;
    // A share of the events for each kill at a batch's end; producers stream the rest meanwhile.
    const batchEndKills = Math.ceil(killsWanted / 2);
    const perBatchEndKill = Math.floor(total / 4 / batchEndKills);
    const reserved = events.splice(0, perBatchEndKill * batchEndKills);
    let sent = 0;
    const producing = (async () => {
      for (let i = 0; i < events.length; i += 500) {
        await publishUsage({ sqs, queueUrl: queue.url }, events.slice(i, i + 500));
        sent += Math.min(500, events.length - i);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    let killsDone = 0;
    let child: ChildProcess | undefined;
    try {
      while (killsDone < killsWanted) {
        const atBatchEnd = killsDone % 2 === 0;
        if (atBatchEnd) {
          const own = reserved.splice(0, perBatchEndKill);
          await publishUsage({ sqs, queueUrl: queue.url }, own);
          sent += own.length;
        }
        child = await start(atBatchEnd ? 1 : undefined);
        const exited = new Promise((r) => child!.once('exit', r));
        // A child killing itself at a batch's end is still killed here if the queue has run dry first.
        await Promise.race([exited, new Promise((r) => setTimeout(r, atBatchEnd ? 10_000 : 300 + rand() * 900))]);
        child.kill('SIGKILL');
        await exited;
        killsDone += 1;
        progress(killsDone, killsWanted + 1);
      }
      await producing;
      child = await start();
      const violations = new Violations();
      const deadline = Date.now() + pick(scale, 60_000, 300_000);
      let seen = await counted();
      while (seen < total && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        seen = await counted();
      }
      // A little longer: a double count would show up as more than the total.
      await new Promise((r) => setTimeout(r, 3_000));
      seen = await counted();
      if (seen !== total)
        violations.add(`counted ${seen} of ${total} events after ${killsDone} kills`, Math.abs(seen - total));
      progress(killsWanted + 1, killsWanted + 1);
      return { trials: sent, faults: killsDone, violations: violations.count, examples: violations.examples };
    } finally {
      child?.kill('SIGKILL');
      sqs.destroy();
    }
  },
};
