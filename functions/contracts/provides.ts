import type { Kernel } from '../kernel/compose';
import { DynamoContractStore } from './adapters/contract-store';
import { contractYears } from './domain/contract';
import type { BillableContract, ContractBillingReader, ContractTimeline } from './ports';

/** The contract segments of the terms timeline (subscriptions merges them into the one timeline). */
export const contractTimeline = (k: Kernel): ContractTimeline => new DynamoContractStore(k.db, k.config.tableName);

const SIGNED = new Set(['signed', 'active', 'expired', 'terminated', 'superseded']);

/** The org's contracts that were in force at some instant of [from, to), with their years (invoicing). */
export function contractBilling(k: Kernel): ContractBillingReader {
  const store = new DynamoContractStore(k.db, k.config.tableName);
  return {
    inForce: async (orgId, from, to): Promise<BillableContract[]> => {
      const all = await store.all(orgId);
      return all
        .filter((c) => SIGNED.has(c.status) && c.activeFrom && c.activeUntil)
        .filter((c) => c.activeFrom! < to.toISOString() && from.toISOString() < c.activeUntil!)
        .map((contract) => ({ contract, years: contractYears(contract) }));
    },
  };
}
