import { compositionRoot, type Kernel } from '../kernel/compose';
import { DynamoAuditLog } from './adapters/audit-log';

/** The audit capability: reading the trail every other capability writes in its own transactions. */
export function buildAuditDeps(k: Kernel) {
  return { audit: new DynamoAuditLog(k.db, k.config.tableName) };
}
export type AuditDeps = ReturnType<typeof buildAuditDeps>;

export const { deps, buildDeps, setDepsForTesting } = compositionRoot(buildAuditDeps);
