import type { ExportSources } from '../export/ports';
import type { Kernel } from '../kernel/compose';
import { fromList } from '../kernel/streams';
import { periodUsageRater } from '../usage/provides';
import { DynamoContractStore } from './adapters/contract-store';
import { contractUtilization } from './app/contract-utilization';
import { listContracts } from './app/read-contracts';
import { contractYears } from './domain/contract';
import { encodeContractRecord } from './http/encode';
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

/** Every contract with its versions, transitions and utilization per year, as a section of the billing export. */
export function contractExportSections(k: Kernel): Pick<ExportSources, 'contracts'> {
  const contracts = new DynamoContractStore(k.db, k.config.tableName);
  const usageRating = periodUsageRater(k);
  return {
    contracts: {
      read: (orgId, asOf) =>
        fromList(
          listContracts({ contracts }, orgId).then((views) =>
            Promise.all(
              views.reverse().map(async (view) => {
                const [history, utilization] = await Promise.all([
                  contracts.history(orgId, view.current.id),
                  contractUtilization({ clock: { now: () => asOf }, contracts, usageRating }, orgId, view.current.id),
                ]);
                return encodeContractRecord(view, history, utilization);
              }),
            ),
          ),
        ),
    },
  };
}
