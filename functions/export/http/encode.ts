import type { ExportView } from '../app/read-exports';
import { filesExpireAt } from '../domain/export-job';

/** Domain → wire (snake_case); the shape is `ExportResponse` in export/contract.ts. */
export const encodeView = ({ job, status, download }: ExportView) => ({
  id: job.id,
  status,
  created_at: job.createdAt,
  requested_by: job.requestedBy,
  generated_at: job.generatedAt ?? null,
  completed_at: job.completedAt ?? null,
  failure: job.failure ?? null,
  size_bytes: job.sizeBytes ?? null,
  compressed_size_bytes: job.compressedSizeBytes ?? null,
  sha256: job.sha256 ?? null,
  section_counts: job.sectionCounts ?? null,
  schema_version: job.schemaVersion,
  files_expire_at: job.status === 'ready' ? filesExpireAt(job).toISOString() : null,
  download_url: download?.url ?? null,
  download_url_gzip: download?.gzipUrl ?? null,
  download_expires_at: download?.expiresAt ?? null,
});
