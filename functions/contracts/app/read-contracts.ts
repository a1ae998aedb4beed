import type { ContractEvent } from '../ports';
import { type ContractDeps, type ContractView, loadContract, viewOf } from './contract-common';

export const getContract = (
  deps: Pick<ContractDeps, 'contracts'>,
  orgId: string,
  contractId: string,
): Promise<ContractView> => loadContract(deps, orgId, contractId);

/** Every contract of the org (its current version, and an amendment under way), newest first. */
export async function listContracts(deps: Pick<ContractDeps, 'contracts'>, orgId: string): Promise<ContractView[]> {
  const byId = new Map<string, Awaited<ReturnType<ContractDeps['contracts']['all']>>>();
  for (const v of await deps.contracts.all(orgId)) byId.set(v.id, [...(byId.get(v.id) ?? []), v]);
  return [...byId.values()]
    .map((versions) => viewOf(versions.sort((a, b) => a.version - b.version)))
    .sort((a, b) => (a.current.id < b.current.id ? 1 : -1));
}

/** Every version drafted and every transition, oldest first, with before and after. */
export async function contractHistory(
  deps: Pick<ContractDeps, 'contracts'>,
  orgId: string,
  contractId: string,
): Promise<ContractEvent[]> {
  await loadContract(deps, orgId, contractId);
  return deps.contracts.history(orgId, contractId);
}
