import type { Page } from '../../kernel/ports';
import { DOWNLOAD_URL_SECONDS, type ExportJob } from '../domain/export-job';
import { type ExportDeps, loadJob } from './export-common';

export interface ExportView {
  readonly job: ExportJob;
  /** Set when ready: presigned, valid DOWNLOAD_URL_SECONDS from `expiresAt`. */
  readonly download?: { readonly url: string; readonly gzipUrl: string; readonly expiresAt: string };
}

/** Presigned URLs of a ready export's document and its gzip copy. */
export async function viewOf(deps: Pick<ExportDeps, 'exportFiles'>, job: ExportJob): Promise<ExportView> {
  if (job.status !== 'ready' || !job.objectKey || !job.gzipObjectKey) return { job };
  const name = `billing-export-${job.orgId}-${job.id}.json`;
  const [url, gzipUrl] = await Promise.all([
    deps.exportFiles.downloadUrl(job.objectKey, DOWNLOAD_URL_SECONDS, name),
    deps.exportFiles.downloadUrl(job.gzipObjectKey, DOWNLOAD_URL_SECONDS, `${name}.gz`),
  ]);
  // The URLs are signed against real time (S3 checks them against its own clock), not the product clock.
  return {
    job,
    download: { url, gzipUrl, expiresAt: new Date(Date.now() + DOWNLOAD_URL_SECONDS * 1000).toISOString() },
  };
}

export async function getExport(deps: ExportDeps, orgId: string, exportId: string): Promise<ExportView> {
  return viewOf(deps, await loadJob(deps, orgId, exportId));
}

export function listExports(
  deps: Pick<ExportDeps, 'exportJobs'>,
  orgId: string,
  options: { limit: number; cursor?: string },
): Promise<Page<ExportJob>> {
  return deps.exportJobs.list(orgId, options);
}
