import type { ListOptions } from '../../kernel/ports';
import type { AuditLog } from '../ports';

export const listAudit = (deps: { audit: AuditLog }, orgId: string, options: ListOptions) =>
  deps.audit.list(orgId, options);
