import type { Page } from '../../kernel/ports';
import { DOWNLOAD_URL_SECONDS, type ExportJob, type ExportViewStatus, viewStatusOf } from '../domain/export-job';
import { type ExportDeps, loadJob } from './export-common';

export interface ExportView {
  readonly job: ExportJob;
  /** The job's status, or `expired` once the bucket has removed a ready export's files. */
  readonly status: ExportViewStatus;
  /** Set when ready: presigned, valid DOWNLOAD_URL_SECONDS from `expiresAt`. */
  readonly download?: { readonly url: string; readonly gzipUrl: string; readonly expiresAt: string };
}

/** The job as the API shows it now, without download URLs (the list's view). */
export const summaryOf = (deps: Pick<ExportDeps, 'clock'>, job: ExportJob): ExportView => ({
  job,
  status: viewStatusOf(job, deps.clock.now()),
});

/** Presigned URLs of a ready export's document and its gzip copy; none once its files have expired. */
export async function viewOf(deps: Pick<ExportDeps, 'clock' | 'exportFiles'>, job: ExportJob): Promise<ExportView> {
  const summary = summaryOf(deps, job);
  if (summary.status !== 'ready' || !job.objectKey || !job.gzipObjectKey) return summary;
  const name = `billing-export-${job.orgId}-${job.id}.json`;
  const [url, gzipUrl] = await Promise.all([
    deps.exportFiles.downloadUrl(job.objectKey, DOWNLOAD_URL_SECONDS, name),
    deps.exportFiles.downloadUrl(job.gzipObjectKey, DOWNLOAD_URL_SECONDS, `${name}.gz`),
  ]);
  // The URLs are signed against real time (S3 checks them against its own clock), not the product clock.
  return {
    ...summary,
    download: { url, gzipUrl, expiresAt: new Date(Date.now() + DOWNLOAD_URL_SECONDS * 1000).toISOString() },
  };
}

export async function getExport(deps: ExportDeps, orgId: string, exportId: string): Promise<ExportView> {
  return viewOf(deps, await loadJob(deps, orgId, exportId));
}

export async function listExports(
  deps: Pick<ExportDeps, 'clock' | 'exportJobs'>,
  orgId: string,
  options: { limit: number; cursor?: string },
): Promise<Page<ExportView>> {
  const page = await deps.exportJobs.list(orgId, options);
  return { data: page.data.map((job) => summaryOf(deps, job)), nextCursor: page.nextCursor };
}
