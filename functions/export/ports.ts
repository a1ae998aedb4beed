import type { AuditEntry } from '../kernel/audit';
import type { Page } from '../kernel/ports';
import type { SectionName } from './domain/document';
import type { ExportJob } from './domain/export-job';

export type { SectionName } from './domain/document';

/**
 * Ports of the export capability. The document's data lives in the other capabilities: each one
 * contributes its sections through its `provides.ts` (read through its own stores, encoded as its own API
 * encodes them), wired in compose.ts. The export capability owns only the layout, the rule of what a
 * document generated at an instant contains, the job and the file.
 */

/** One section of the document for an org: its records, oldest first (a value section yields one value). */
export interface SectionSource {
  read(orgId: string, asOf: Date): AsyncIterable<unknown>;
}

/** Every section of the document, each from the capability that owns its data. */
export type ExportSources = Readonly<Record<SectionName, SectionSource>>;

/** What the consistency check asks of the audit trail: was anything audited after `afterId` (a ULID)? */
export interface AuditWatermark {
  /** A ULID of now: audit entries written later sort after it (ids are ULIDs of the writer's real time). */
  mark(): string;
  changedSince(orgId: string, mark: string): Promise<boolean>;
}

/** Export jobs: the record, the org's list, the work list of enqueues and deadlines. */
export interface ExportJobStore {
  get(orgId: string, exportId: string): Promise<ExportJob | undefined>;
  /** Newest first, a page at a time. */
  list(orgId: string, options: { limit: number; cursor?: string }): Promise<Page<ExportJob>>;
  /**
   * Records a new job (on the work list until enqueued) with its audit entry. With `current`, also makes
   * it the org's current export, only if the current one is still `current.replacing` (undefined: none):
   * `false` when another request replaced it first (the caller reuses that one).
   */
  create(job: ExportJob, audit: AuditEntry, current?: { replacing: string | undefined }): Promise<boolean>;
  /**
   * The org's current export (the one `GET …/export` reuses), if any: the pointer's export id, and the
   * job unless the TTL has already removed its record (the pointer and the record expire together, in
   * no set order).
   */
  current(orgId: string): Promise<{ readonly exportId: string; readonly job: ExportJob | undefined } | undefined>;
  /** The queue has the job: off the enqueue list, on the build deadline list. */
  markEnqueued(job: ExportJob, at: string): Promise<void>;
  /** A build starts: conditional on the job still building; false when it is not (a duplicate message). */
  start(job: ExportJob, at: string): Promise<ExportJob | undefined>;
  /** The outcome, off the work list; only from `building` (a late duplicate never overwrites it). */
  finish(job: ExportJob): Promise<void>;
  /** Jobs due on the work list at `now` (enqueue not confirmed, or build deadline passed). */
  due(now: Date, limit: number): Promise<ExportJob[]>;
}

/** The queue the builds run from. */
export interface ExportQueue {
  enqueue(job: Pick<ExportJob, 'orgId' | 'id'>): Promise<void>;
}

export interface StoredDocument {
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly compressedSizeBytes: number;
}

/** Where documents are kept: streamed in (constant memory), downloaded through presigned URLs. */
export interface ExportFiles {
  /** Writes the chunks as the JSON object and as its gzip copy; hashes and measures while streaming. */
  write(keys: { objectKey: string; gzipObjectKey: string }, chunks: AsyncIterable<string>): Promise<StoredDocument>;
  /** A GET URL for the object, valid `seconds`. */
  downloadUrl(key: string, seconds: number, filename: string): Promise<string>;
}
