import { logger } from '../../kernel/logger';
import { BUILD_DEADLINE_MS } from '../domain/export-job';
import { type ExportDeps, enqueue } from './export-common';

/** Jobs looked at per run: the list holds only jobs whose enqueue or build is overdue, so it stays short. */
const PER_RUN = 100;

/**
 * The export sweep (every few minutes): a job whose enqueue was never confirmed is enqueued again (the
 * request that created it may have died between its write and the send); a job still building past its
 * deadline (every attempt timed out, or the messages went to the DLQ) is marked failed with a reason, so
 * no export stays `building` forever.
 */
export async function sweepExports(deps: ExportDeps): Promise<{ enqueued: number; timedOut: number }> {
  const now = deps.clock.now();
  let enqueued = 0;
  let timedOut = 0;
  for (const job of await deps.exportJobs.due(now, PER_RUN)) {
    if (job.status !== 'building') continue;
    if (!job.enqueuedAt) {
      await enqueue(deps, job);
      enqueued += 1;
      continue;
    }
    await deps.exportJobs.finish({
      ...job,
      status: 'failed',
      completedAt: now.toISOString(),
      failure: {
        code: 'build_timed_out',
        message: `the build did not finish within ${BUILD_DEADLINE_MS / 60_000} minutes; request a new export`,
      },
    });
    timedOut += 1;
  }
  if (enqueued + timedOut > 0) logger.info('export sweep', { enqueued, timedOut });
  return { enqueued, timedOut };
}
