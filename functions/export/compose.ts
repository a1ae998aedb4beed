import { auditExportSections, auditWatermark } from '../audit/provides';
import { contractExportSections } from '../contracts/provides';
import { invoicingExportSections } from '../invoicing/provides';
import { compositionRoot, type Kernel } from '../kernel/compose';
import { createSqsClient } from '../kernel/sqs/client';
import { noticeExportSections } from '../notices/provides';
import { orgExportSections } from '../orgs/provides';
import { paymentExportSections } from '../payments/provides';
import { subscriptionExportSections } from '../subscriptions/provides';
import { usageExportSections } from '../usage/provides';
import { DynamoExportJobStore } from './adapters/export-job-store';
import { SqsExportQueue } from './adapters/export-queue';
import { createS3Client, S3ExportFiles } from './adapters/s3-export-files';
import type { ExportDeps } from './app/export-common';
import type { ExportSources } from './ports';

/**
 * The export capability: jobs, the build and the files. Every section of the document comes from the
 * capability that owns its data, through its `provides.ts`: the same stores and encoders its API uses.
 */
export function buildExportDeps(k: Kernel): ExportDeps & { readonly exportHoldMs: number } {
  const sources: ExportSources = {
    ...orgExportSections(k),
    ...invoicingExportSections(k),
    ...subscriptionExportSections(k),
    ...paymentExportSections(k),
    ...contractExportSections(k),
    ...usageExportSections(k),
    ...noticeExportSections(k),
    ...auditExportSections(k),
  };
  return {
    clock: k.clock,
    ids: k.ids,
    exportJobs: new DynamoExportJobStore(k.db, k.config.tableName),
    exportQueue: new SqsExportQueue(createSqsClient(k.config), k.config.exportsQueueUrl),
    exportFiles: new S3ExportFiles(createS3Client(k.config), k.config.exportsBucket),
    exportSources: sources,
    auditMarks: auditWatermark(k),
    // Export creation draws from the expensive reads' per-org budget (the route table's `expensive_read`).
    exportBudget: {
      take: (orgId, now) =>
        k.rateLimiter.take(
          { scope: orgId, bucket: 'expensive_read', limit: k.config.expensiveReadsPerMinute, windowSeconds: 60 },
          now,
        ),
    },
    wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    exportHoldMs: k.config.exportHoldSeconds * 1000,
  };
}
export type ExportCapabilityDeps = ReturnType<typeof buildExportDeps>;

export const { deps, buildDeps, setDepsForTesting } = compositionRoot(buildExportDeps);
