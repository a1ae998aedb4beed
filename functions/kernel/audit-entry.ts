import type { AuditEntry } from './audit';
import type { Clock } from './clock';
import type { CallContext, IdGenerator } from './ports';

/** Builds the audit entry a use case hands to its store write, so the change and its record commit together. */
export function auditEntry(
  deps: { clock: Clock; ids: IdGenerator },
  ctx: CallContext,
  change: Pick<AuditEntry, 'orgId' | 'action' | 'target' | 'before' | 'after'>,
): AuditEntry {
  return {
    id: deps.ids.next(),
    at: deps.clock.now().toISOString(),
    actor: ctx.actor,
    requestId: ctx.requestId,
    ...change,
  };
}
