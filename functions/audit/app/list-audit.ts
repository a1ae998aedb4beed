import type { CoreDeps, ListOptions } from '../../kernel/ports';

export const listAudit = (deps: Pick<CoreDeps, 'audit'>, orgId: string, options: ListOptions) =>
  deps.audit.list(orgId, options);
