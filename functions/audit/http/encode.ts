import type { AuditEntry } from '../../kernel/audit';

/** Domain (camelCase) → wire (snake_case): the shape is `AuditEntryResponse` in audit/contract.ts. */
export const encodeAudit = (e: AuditEntry) => ({
  id: e.id,
  at: e.at,
  actor: e.actor,
  action: e.action,
  target: e.target,
  before: e.before,
  after: e.after,
  ...(e.requestId ? { request_id: e.requestId } : {}),
});
