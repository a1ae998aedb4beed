import { conflict, dependencyUnavailable } from '../../kernel/errors';
import type { CallContext } from '../../kernel/ports';
import { type ExportJob, isReusable } from '../domain/export-job';
import { createJob, type ExportDeps, enqueue, loadJob } from './export-common';
import { type ExportView, viewOf } from './read-exports';

/** How often a held request looks at the job again. */
const POLL_MS = 250;

export type DownloadOutcome =
  | { readonly kind: 'ready'; readonly view: ExportView & { download: NonNullable<ExportView['download']> } }
  | { readonly kind: 'building'; readonly view: ExportView; readonly retryAfterSeconds: number };

/**
 * `GET …/export`: the org's current export if it is younger than 5 minutes and not failed, else a new
 * one (concurrent requests agree on one through the conditional "current export" record). Holds the
 * request up to `holdMs` while it builds, so a small org's file comes back in the first answer.
 */
export async function downloadExport(
  deps: ExportDeps,
  orgId: string,
  ctx: CallContext,
  options: { holdMs: number },
): Promise<DownloadOutcome> {
  const started = Date.now();
  let job = await currentOrNew(deps, orgId, ctx);
  while (job.status === 'building' && Date.now() - started + POLL_MS <= options.holdMs) {
    await deps.wait(POLL_MS);
    job = await loadJob(deps, orgId, job.id);
  }
  if (job.status === 'failed') {
    // The next request starts a new build (a failed export is never reused).
    throw dependencyUnavailable('export_failed', `the export failed (${job.failure?.code ?? 'unknown'}); ask again`);
  }
  const view = await viewOf(deps, job);
  if (view.download) return { kind: 'ready', view: { ...view, download: view.download } };
  return { kind: 'building', view, retryAfterSeconds: 2 };
}

async function currentOrNew(deps: ExportDeps, orgId: string, ctx: CallContext): Promise<ExportJob> {
  const current = await deps.exportJobs.current(orgId);
  if (current?.job && isReusable(current.job, deps.clock.now())) return current.job;
  // Replacing the pointer by the id it holds, even when its job's record has already expired.
  const { job, created } = await createJob(deps, orgId, ctx, { replacing: current?.exportId });
  if (!created) {
    // Another request replaced the current export first: use that one.
    const winner = await deps.exportJobs.current(orgId);
    if (!winner?.job) throw conflict('conflict', 'the current export changed; ask again');
    return winner.job;
  }
  await enqueue(deps, job);
  return job;
}
