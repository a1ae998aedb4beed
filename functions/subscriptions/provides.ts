import { contractTimeline } from '../contracts/provides';
import type { Kernel } from '../kernel/compose';
import { orgReader } from '../orgs/provides';
import { paymentMethodCheck } from '../payments/provides';
import { DynamoAdjustmentLedger } from './adapters/adjustment-ledger';
import { DynamoSubscriptionStore } from './adapters/subscription-store';
import { cancelForNonPayment } from './app/cancel-subscription';
import { endForContract } from './app/end-for-contract';
import { SubscriptionTermsReader } from './app/subscription-terms';
import type {
  AdjustmentLedger,
  NonPaymentCancellation,
  PaidSubscriptionReader,
  SelfServeEnder,
  TermsReader,
} from './ports';

/**
 * The terms timeline usage is rated under (usage, invoicing, contracts read it), and whether the org has
 * a paid subscription (the payments capability's last-payment-method rule).
 */
export const termsReader = (k: Kernel): TermsReader & PaidSubscriptionReader =>
  new SubscriptionTermsReader({
    clock: k.clock,
    orgs: orgReader(k),
    subscriptions: new DynamoSubscriptionStore(k.db, k.config.tableName),
    contracts: contractTimeline(k),
  });

/** The pending adjustment lines, and the write that marks them billed in an invoice's transaction. */
export const adjustmentLedger = (k: Kernel): AdjustmentLedger =>
  new DynamoAdjustmentLedger(new DynamoSubscriptionStore(k.db, k.config.tableName), k.config.tableName);

/** What the subscription use cases other capabilities trigger need. */
const lifecycleDeps = (k: Kernel) => ({
  clock: k.clock,
  ids: k.ids,
  orgs: orgReader(k),
  subscriptions: new DynamoSubscriptionStore(k.db, k.config.tableName),
  terms: termsReader(k),
  paymentMethodCheck: paymentMethodCheck(k),
});

/** Ends the self-serve subscription when a contract takes over (contracts). */
export function selfServeEnder(k: Kernel): SelfServeEnder {
  const deps = lifecycleDeps(k);
  return { endForContract: (orgId, _at, contractId) => endForContract(deps, orgId, contractId) };
}

/** Ending a paid subscription for non-payment (the collection capability, when dunning reaches canceled). */
export function nonPaymentCancellation(k: Kernel): NonPaymentCancellation {
  const deps = lifecycleDeps(k);
  return { cancelForNonPayment: (orgId, ctx) => cancelForNonPayment(deps, ctx, orgId) };
}
