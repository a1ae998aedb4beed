import type { CallContext } from '../../kernel/ports';
import type { ExportJob } from '../domain/export-job';
import { createJob, type ExportDeps, enqueue } from './export-common';

/** `POST …/exports`: a new export job, built in the background. */
export async function requestExport(deps: ExportDeps, orgId: string, ctx: CallContext): Promise<ExportJob> {
  const { job } = await createJob(deps, orgId, ctx);
  await enqueue(deps, job);
  return job;
}
