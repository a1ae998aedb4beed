import { logger } from '../../kernel/logger';
import {
  documentChunks,
  emptyCounts,
  SECTIONS,
  type SectionCounts,
  type SectionName,
  type SectionSpec,
} from '../domain/document';
import { type ExportJob, objectKeysOf } from '../domain/export-job';
import type { ExportDeps } from './export-common';

/** Times the org's current state is read again when an audited change landed while it was being read. */
const SNAPSHOT_ATTEMPTS = 3;

export type BuildProgress = (section: SectionName, records: number) => void;

export type BuildOutcome = 'built' | 'not_building' | 'failed';

/**
 * Builds one export (the exports queue consumer): claims the job (a duplicate message finds it no longer
 * building and does nothing), reads the org's current state as of `generated_at`, streams every section
 * into the files, and records the outcome. Throws when the build should be retried (the message comes
 * back); on the last attempt the job is marked failed instead.
 */
export async function buildExport(
  deps: ExportDeps,
  ref: { orgId: string; exportId: string },
  options: { lastAttempt: boolean; onProgress?: BuildProgress } = { lastAttempt: false },
): Promise<BuildOutcome> {
  const job = await deps.exportJobs.get(ref.orgId, ref.exportId);
  if (job?.status !== 'building') return 'not_building';
  const started = await deps.exportJobs.start(job, deps.clock.now().toISOString());
  if (!started) return 'not_building';
  try {
    const done = await writeDocument(deps, started, options.onProgress);
    await deps.exportJobs.finish(done);
    logger.info('export built', {
      org: done.orgId,
      exportId: done.id,
      sizeBytes: done.sizeBytes,
      compressedSizeBytes: done.compressedSizeBytes,
    });
    return 'built';
  } catch (error) {
    logger.error('export build failed', { org: job.orgId, exportId: job.id, lastAttempt: options.lastAttempt, error });
    if (!options.lastAttempt) throw error;
    await deps.exportJobs.finish({
      ...started,
      status: 'failed',
      completedAt: deps.clock.now().toISOString(),
      failure: { code: 'build_failed', message: 'the document could not be built; request a new export' },
    });
    return 'failed';
  }
}

/**
 * The document, streamed into the files. The snapshot sections (the org's current state: small) are read
 * first, all at once; if an audited change was written meanwhile they are read again with a later
 * `generated_at`, so they show the state at one instant. The streamed sections are read while writing.
 */
export async function writeDocument(deps: ExportDeps, job: ExportJob, onProgress?: BuildProgress): Promise<ExportJob> {
  let generatedAt = deps.clock.now();
  let snapshot = new Map<SectionName, unknown[]>();
  for (let attempt = 1; ; attempt++) {
    const mark = deps.auditMarks.mark();
    snapshot = await readSnapshot(deps, job.orgId, generatedAt);
    if (!(await deps.auditMarks.changedSince(job.orgId, mark)) || attempt >= SNAPSHOT_ATTEMPTS) break;
    generatedAt = deps.clock.now();
  }
  const sections = Object.fromEntries(
    (SECTIONS as readonly SectionSpec[]).map((s) => {
      const name = s.name as SectionName;
      return [name, snapshot.get(name) ?? deps.exportSources[name].read(job.orgId, generatedAt)];
    }),
  ) as Record<SectionName, AsyncIterable<unknown> | Iterable<unknown>>;
  const counts: SectionCounts = emptyCounts();
  const keys = objectKeysOf(job.orgId, job.id);
  const stored = await deps.exportFiles.write(
    keys,
    documentChunks({ generatedAt: generatedAt.toISOString(), sections, onRecord: onProgress }, counts),
  );
  return {
    ...job,
    status: 'ready',
    generatedAt: generatedAt.toISOString(),
    completedAt: deps.clock.now().toISOString(),
    ...keys,
    sizeBytes: stored.sizeBytes,
    sha256: stored.sha256,
    compressedSizeBytes: stored.compressedSizeBytes,
    sectionCounts: counts,
  };
}

async function readSnapshot(deps: ExportDeps, orgId: string, asOf: Date): Promise<Map<SectionName, unknown[]>> {
  const names = (SECTIONS as readonly SectionSpec[])
    .filter((s) => s.phase === 'snapshot')
    .map((s) => s.name as SectionName);
  const read = await Promise.all(
    names.map(async (name) => {
      const records: unknown[] = [];
      for await (const r of deps.exportSources[name].read(orgId, asOf)) records.push(r);
      return [name, records] as const;
    }),
  );
  return new Map(read);
}
