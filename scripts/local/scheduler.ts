import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { ScheduleDefinition } from '../../functions/schedules';
import { log } from './log';

/**
 * The EventBridge rules, locally: each schedule's handler runs every `everyMinutes / speed` minutes
 * with the payload EventBridge sends for a rate rule ("Scheduled Event"). A run never overlaps the
 * previous run of the same schedule: a tick that finds it still running is skipped (logged), so a slow
 * handler at a high `speed` cannot pile up. Schedules whose entry file does not exist yet are skipped
 * with one warning. `stop()` cancels the timers and waits for runs in progress.
 */
export type ScheduledHandler = (event: ScheduledEvent, context: Context) => Promise<unknown>;

export interface SchedulerOptions {
  schedules: readonly ScheduleDefinition[];
  /** Loads the handler for a schedule (default: dynamic import of `entry` relative to `root`). */
  loadHandler?: (schedule: ScheduleDefinition) => Promise<ScheduledHandler>;
  /** Clock factor: 60 runs an hourly schedule every minute. */
  speed?: number;
  /** Repository root the entries are relative to (existence check and default loader). */
  root?: string;
  /** Also run every schedule once right away (a demo wants to see them work). */
  runAtStart?: boolean;
  /** Floor for the interval, so a huge speed cannot spin. Default 1000 ms. */
  minIntervalMs?: number;
  region?: string;
  account?: string;
}

export interface Scheduler {
  stop(): Promise<void>;
  /** Completed runs per schedule id (for tests and the demo). */
  readonly runs: Readonly<Record<string, number>>;
}

export function startScheduler(options: SchedulerOptions): Scheduler {
  const root = options.root ?? resolve(__dirname, '../..');
  const speed = options.speed ?? 1;
  if (!(speed > 0)) throw new Error(`speed must be a positive number, got ${speed}`);
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const account = options.account ?? '000000000000';
  const load =
    options.loadHandler ??
    (async (s: ScheduleDefinition) =>
      ((await import(resolve(root, s.entry))) as { handler: ScheduledHandler }).handler);
  const timers: NodeJS.Timeout[] = [];
  const inFlight = new Set<Promise<void>>();
  const runs: Record<string, number> = {};
  let stopped = false;

  for (const schedule of options.schedules) {
    if (!existsSync(resolve(root, schedule.entry))) {
      log('WARN', 'schedule skipped: its handler file does not exist', {
        schedule: schedule.id,
        entry: schedule.entry,
      });
      continue;
    }
    runs[schedule.id] = 0;
    const intervalMs = Math.max(options.minIntervalMs ?? 1000, (schedule.everyMinutes * 60_000) / speed);
    let running = false;
    const tick = () => {
      if (stopped) return;
      if (running) {
        log('WARN', 'schedule tick skipped: the previous run is still going', { schedule: schedule.id });
        return;
      }
      running = true;
      const started = Date.now();
      const event = scheduledEvent(schedule, region, account);
      const run = (async () => {
        try {
          const handler = await load(schedule);
          await handler(event, scheduleContext(schedule.id, region, account));
          runs[schedule.id] = (runs[schedule.id] ?? 0) + 1;
          log('INFO', 'scheduled run done', { schedule: schedule.id, eventId: event.id, ms: Date.now() - started });
        } catch (error) {
          // EventBridge would retry the async invocation; the next tick is our retry.
          runs[schedule.id] = (runs[schedule.id] ?? 0) + 1;
          log('ERROR', 'scheduled handler failed', {
            schedule: schedule.id,
            eventId: event.id,
            error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          });
        } finally {
          running = false;
        }
      })();
      inFlight.add(run);
      void run.finally(() => inFlight.delete(run));
    };
    timers.push(setInterval(tick, intervalMs));
    if (options.runAtStart) tick();
  }

  return {
    runs,
    stop: async () => {
      stopped = true;
      for (const t of timers) clearInterval(t);
      await Promise.all([...inFlight]);
    },
  };
}

/** The event EventBridge delivers for a scheduled (rate) rule. */
export function scheduledEvent(
  schedule: ScheduleDefinition,
  region = 'us-east-1',
  account = '000000000000',
): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account,
    // EventBridge stamps the scheduled time to the second.
    time: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    region,
    resources: [`arn:aws:events:${region}:${account}:rule/billing-${schedule.id}`],
    detail: {},
  };
}

function scheduleContext(id: string, region: string, account: string): Context {
  const deadline = Date.now() + 60_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `billing-${id}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${account}:function:billing-${id}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/billing-${id}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
