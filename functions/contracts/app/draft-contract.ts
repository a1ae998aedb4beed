import { conflict } from '../../kernel/errors';
import type { CallContext } from '../../kernel/ports';
import { type Contract, type ContractTerms, validateTerms } from '../domain/contract';
import { type ContractDeps, type ContractView, loadContract, recorded, settlesIn, viewOf } from './contract-common';

/** Drafts a new contract (owner, billing admin, or the platform's sales operations). Audited. */
export async function createContract(
  deps: Pick<ContractDeps, 'clock' | 'ids' | 'orgs' | 'terms' | 'contracts'>,
  ctx: CallContext,
  orgId: string,
  terms: ContractTerms,
): Promise<ContractView> {
  validateTerms(terms, await settlesIn(deps, orgId));
  const now = deps.clock.now().toISOString();
  const contract: Contract = {
    ...terms,
    id: deps.ids.next('ctr'),
    orgId,
    version: 1,
    status: 'draft',
    createdAt: now,
    updatedAt: now,
    revision: 1,
  };
  await deps.contracts.commit({
    records: [{ next: contract, expectedRevision: null }],
    ...recorded(deps, ctx, 'drafted', null, contract),
  });
  return viewOf([contract]);
}

/**
 * Edits a draft — the contract's first version or an amendment being drafted. Anything past the draft
 * is fixed: 409 `invalid_transition`. Conditional on the revision read. Audited with before and after.
 */
export async function updateContract(
  deps: Pick<ContractDeps, 'clock' | 'ids' | 'orgs' | 'terms' | 'contracts'>,
  ctx: CallContext,
  orgId: string,
  contractId: string,
  changes: Partial<ContractTerms>,
): Promise<ContractView> {
  const view = await loadContract(deps, orgId, contractId);
  const draft = view.versions[view.versions.length - 1]!;
  if (draft.status !== 'draft') {
    throw conflict('invalid_transition', `a ${draft.status} contract cannot be edited; amend an active one`, {
      status: draft.status,
      action: 'edit',
      allowed_from: ['draft'],
    });
  }
  const next: Contract = {
    ...draft,
    ...changes,
    updatedAt: deps.clock.now().toISOString(),
    revision: draft.revision + 1,
  };
  validateTerms(next, await settlesIn(deps, orgId));
  await deps.contracts.commit({
    records: [{ next, expectedRevision: draft.revision }],
    ...recorded(deps, ctx, 'edited', draft, next),
  });
  return viewOf([...view.versions.slice(0, -1), next]);
}
