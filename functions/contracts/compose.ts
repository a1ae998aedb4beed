import { commitmentInvoicing } from '../invoicing/provides';
import { compositionRoot, type Kernel } from '../kernel/compose';
import { noticeOutbox } from '../notices/provides';
import { orgReader } from '../orgs/provides';
import type { TermsReader } from '../subscriptions/ports';
import { selfServeEnder, termsReader } from '../subscriptions/provides';
import { periodUsageRater } from '../usage/provides';
import { DynamoContractStore } from './adapters/contract-store';
import type { ContractDeps } from './app/contract-common';
import { contractYears } from './domain/contract';

/**
 * The contracts capability: contracts, their lifecycle and utilization. The terms timeline and the
 * self-serve subscription (subscriptions), usage rated per period (usage), commitment invoices
 * (invoicing) and the notice outbox come through those capabilities' ports.
 */
export function buildContractsDeps(k: Kernel): ContractDeps {
  const invoicing = commitmentInvoicing(k);
  const terms: TermsReader = termsReader(k);
  return {
    clock: k.clock,
    ids: k.ids,
    orgs: orgReader(k),
    terms,
    contracts: new DynamoContractStore(k.db, k.config.tableName),
    selfServe: selfServeEnder(k),
    usageRating: periodUsageRater(k),
    notices: noticeOutbox(k),
    commitmentInvoicing: {
      issueCommitment: async (orgId, contract, year) => {
        const y = contractYears(contract).find((c) => c.index === year);
        if (!y) return;
        await invoicing.issueCommitment(orgId, {
          contractId: contract.id,
          contractName: contract.name,
          year,
          start: y.start,
          end: y.end,
          currency: contract.currency,
          committedMinor: y.committedMinor,
          netDays: contract.netDays,
        });
      },
    },
  };
}

export const { deps, buildDeps, setDepsForTesting } = compositionRoot(buildContractsDeps);
