import { auditEntry } from '../../kernel/audit-entry';
import type { Clock } from '../../kernel/clock';
import { notFound } from '../../kernel/errors';
import { logger } from '../../kernel/logger';
import type { CallContext, IdGenerator } from '../../kernel/ports';
import { EXPORT_SCHEMA_VERSION } from '../domain/document';
import { ENQUEUE_GRACE_MS, type ExportJob } from '../domain/export-job';
import type { AuditWatermark, ExportFiles, ExportJobStore, ExportQueue, ExportSources } from '../ports';

export interface ExportDeps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly exportJobs: ExportJobStore;
  readonly exportQueue: ExportQueue;
  readonly exportFiles: ExportFiles;
  readonly exportSources: ExportSources;
  readonly auditMarks: AuditWatermark;
  /** The per-org budget export creation draws from (the expensive reads' one). */
  readonly exportBudget: { take(orgId: string, now: Date): Promise<void> };
  /** Real-time waiting (a request held open while a build finishes); injected so tests need not sleep. */
  readonly wait: (ms: number) => Promise<void>;
}

/** A new job for the org, audited as requested by the caller; the record is the enqueue's outbox. */
export async function createJob(
  deps: Pick<ExportDeps, 'clock' | 'ids' | 'exportJobs' | 'exportBudget'>,
  orgId: string,
  ctx: CallContext,
  current?: { replacing: string | undefined },
): Promise<{ job: ExportJob; created: boolean }> {
  const now = deps.clock.now();
  await deps.exportBudget.take(orgId, now);
  const job: ExportJob = {
    id: deps.ids.next('exp'),
    orgId,
    status: 'building',
    requestedBy: ctx.actor,
    createdAt: now.toISOString(),
    attempts: 0,
    schemaVersion: EXPORT_SCHEMA_VERSION,
  };
  const audit = auditEntry(deps, ctx, {
    orgId,
    action: 'export.requested',
    target: { type: 'export', id: job.id },
    before: null,
    after: { id: job.id, status: job.status, created_at: job.createdAt },
  });
  const created = await deps.exportJobs.create(job, audit, current);
  return { job, created };
}

/**
 * Hands the job to the queue and records that it did. A failure here loses nothing: the job stays on the
 * work list and the sweep enqueues it once the grace has passed (the consumer builds a job once however
 * often it is enqueued).
 */
export async function enqueue(
  deps: Pick<ExportDeps, 'clock' | 'exportJobs' | 'exportQueue'>,
  job: ExportJob,
): Promise<void> {
  try {
    await deps.exportQueue.enqueue(job);
    await deps.exportJobs.markEnqueued(job, deps.clock.now().toISOString());
  } catch (error) {
    logger.warn('export enqueue failed; the sweep retries it', {
      org: job.orgId,
      exportId: job.id,
      retryAfterMs: ENQUEUE_GRACE_MS,
      error,
    });
  }
}

export async function loadJob(
  deps: Pick<ExportDeps, 'exportJobs'>,
  orgId: string,
  exportId: string,
): Promise<ExportJob> {
  const job = await deps.exportJobs.get(orgId, exportId);
  if (!job) throw notFound('export_not_found', `there is no export ${exportId}`);
  return job;
}
