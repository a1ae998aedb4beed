import type { AuditWatermark, ExportSources } from '../export/ports';
import type { Kernel } from '../kernel/compose';
import { mapStream } from '../kernel/streams';
import { DynamoAuditLog } from './adapters/audit-log';
import { encodeAudit } from './http/encode';

/** The whole audit trail, oldest first, as a section of the billing export. */
export function auditExportSections(k: Kernel): Pick<ExportSources, 'audit_trail'> {
  const log = new DynamoAuditLog(k.db, k.config.tableName);
  return { audit_trail: { read: (orgId) => mapStream(log.all(orgId), encodeAudit) } };
}

/**
 * Whether anything billing-related changed since a mark: every billing change writes its audit entry in
 * its own transaction, so a new entry is the sign that some record moved.
 */
export function auditWatermark(k: Kernel): AuditWatermark {
  const log = new DynamoAuditLog(k.db, k.config.tableName);
  return { mark: () => k.ids.next(), changedSince: (orgId, mark) => log.writtenAfter(orgId, mark) };
}
