import type { Actor } from '../../kernel/audit';
import { addDays, epochSeconds } from '../../kernel/clock';
import type { SectionCounts } from './document';

/**
 * An export job: requested (`building`), built in the background by the exports queue consumer, then
 * `ready` (the document in the bucket, its size, SHA-256 and section counts) or `failed` with a reason.
 * The record is also the enqueue's outbox: until the queue has the job (`enqueuedAt`), it stays on the
 * exports work list and the sweep enqueues it again.
 */
export const EXPORT_STATUSES = ['building', 'ready', 'failed'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];
/**
 * What the API shows: a ready export whose files the bucket has expired (`filesExpireAt`) is `expired`.
 * The record is not changed: the status follows from the time, so no job is needed to keep it true.
 */
export const EXPORT_VIEW_STATUSES = [...EXPORT_STATUSES, 'expired'] as const;
export type ExportViewStatus = (typeof EXPORT_VIEW_STATUSES)[number];

export interface ExportFailure {
  readonly code: string;
  readonly message: string;
}

export interface ExportJob {
  readonly id: string;
  readonly orgId: string;
  readonly status: ExportStatus;
  readonly requestedBy: Actor;
  readonly createdAt: string;
  /** When the queue took the job (the outbox is done). */
  readonly enqueuedAt?: string;
  readonly attempts: number;
  readonly startedAt?: string;
  readonly generatedAt?: string;
  readonly completedAt?: string;
  readonly failure?: ExportFailure;
  /** The document's bytes (uncompressed JSON) and their SHA-256 (hex). */
  readonly sizeBytes?: number;
  readonly sha256?: string;
  /** The gzip copy's bytes. */
  readonly compressedSizeBytes?: number;
  readonly sectionCounts?: SectionCounts;
  readonly objectKey?: string;
  readonly gzipObjectKey?: string;
  readonly schemaVersion: number;
}

/** How long an export is reused by `GET …/export` (a newer request within it gets the same document). */
export const REUSE_WINDOW_MS = 5 * 60_000;
/** A presigned download URL is valid this long. */
export const DOWNLOAD_URL_SECONDS = 15 * 60;
/** The queue is given this long to confirm an enqueue before the sweep sends the job again. */
export const ENQUEUE_GRACE_MS = 60_000;
/**
 * A build still `building` this long after it was enqueued has failed (every receive timed out or the
 * consumer is gone): the sweep marks it so. Longer than the exports queue's three receives of 90 minutes.
 */
export const BUILD_DEADLINE_MS = 5 * 60 * 60_000;

/** The bucket's lifecycle rule expires an export's objects this many days after they were written. */
export const EXPORT_RETENTION_DAYS = 7;

/**
 * When the export's files are gone: its request time plus the retention. S3 counts from when each object
 * was written (after the request) and rounds up to the next midnight UTC, so the files outlive this
 * instant: a URL handed out before it never meets S3's 404.
 */
export const filesExpireAt = (job: Pick<ExportJob, 'createdAt'>): Date =>
  addDays(new Date(job.createdAt), EXPORT_RETENTION_DAYS);

/**
 * An export's record is kept this many days after the request (listed as `expired` once its files are
 * gone), then DynamoDB's TTL removes it and the current-export pointer to it. The audit trail keeps who
 * asked for which export for as long as the audit is kept.
 */
export const EXPORT_RECORD_DAYS = 90;

/** The TTL (epoch seconds) of an export's record and of the current-export pointer to it. */
export const recordExpiresAt = (job: Pick<ExportJob, 'createdAt'>): number =>
  epochSeconds(addDays(new Date(job.createdAt), EXPORT_RECORD_DAYS));

export const viewStatusOf = (job: ExportJob, now: Date): ExportViewStatus =>
  job.status === 'ready' && now.getTime() >= filesExpireAt(job).getTime() ? 'expired' : job.status;

/** The objects of one export (expired by the bucket's lifecycle rule after EXPORT_RETENTION_DAYS). */
export const objectKeysOf = (orgId: string, exportId: string) => ({
  objectKey: `exports/${orgId}/${exportId}.json`,
  gzipObjectKey: `exports/${orgId}/${exportId}.json.gz`,
});

export const isReusable = (job: ExportJob, now: Date): boolean =>
  job.status !== 'failed' && now.getTime() - Date.parse(job.createdAt) < REUSE_WINDOW_MS;
