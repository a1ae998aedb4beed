import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { ScheduleDefinition } from '../../functions/schedules';
import { log } from './log';

/**
 * The EventBridge rules, locally: each schedule's handler runs every `everyMinutes / speed` minutes
 * with a "Scheduled Event" payload, never overlapping itself. Schedules whose handler file does not
 * exist yet are skipped with a warning.
 */
type ScheduledHandler = (event: ScheduledEvent, context: Context) => Promise<unknown>;

export interface SchedulerOptions {
  schedules: readonly ScheduleDefinition[];
  speed?: number;
  root?: string;
  /** Run each schedule once right away (the demo wants to see them work). */
  runAtStart?: boolean;
}

export function startScheduler(options: SchedulerOptions): { stop(): Promise<void> } {
  const root = options.root ?? resolve(__dirname, '../..');
  const speed = options.speed ?? 1;
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  for (const schedule of options.schedules) {
    const file = resolve(root, schedule.entry);
    if (!existsSync(file)) {
      log('WARN', 'schedule skipped: its handler does not exist yet', { schedule: schedule.id, entry: schedule.entry });
      continue;
    }
    let busy = false;
    const tick = async () => {
      if (busy) return;
      busy = true;
      try {
        const { handler } = (await import(file)) as { handler: ScheduledHandler };
        await handler(scheduledEvent(schedule), scheduleContext(schedule.id));
      } catch (error) {
        log('ERROR', 'scheduled handler failed', { schedule: schedule.id, error: String(error) });
      } finally {
        busy = false;
      }
    };
    const run = () => {
      const p = tick();
      running.add(p);
      void p.finally(() => running.delete(p));
    };
    timers.push(setInterval(run, Math.max(1000, (schedule.everyMinutes * 60_000) / speed)));
    if (options.runAtStart) run();
  }
  return {
    stop: async () => {
      for (const t of timers) clearInterval(t);
      await Promise.all(running);
    },
  };
}

function scheduledEvent(schedule: ScheduleDefinition): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [`arn:aws:events:us-east-1:000000000000:rule/billing-${schedule.id}`],
    detail: {},
  };
}

function scheduleContext(id: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `billing-${id}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:billing-${id}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/billing-${id}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
