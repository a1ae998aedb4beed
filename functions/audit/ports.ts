import type { AuditEntry } from '../kernel/audit';
import type { ListOptions, Page } from '../kernel/ports';

/** The audit trail as the route reads it. Entries are written by every capability, in its own transactions. */
export interface AuditLog {
  list(orgId: string, options: ListOptions): Promise<Page<AuditEntry>>;
}
