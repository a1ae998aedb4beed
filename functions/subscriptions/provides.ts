import type { Kernel } from '../kernel/compose';
import { orgReader } from '../orgs/provides';
import { paymentMethodCheck } from '../payments/provides';
import { DynamoAdjustmentLedger } from './adapters/adjustment-ledger';
import { DynamoSubscriptionStore } from './adapters/subscription-store';
import { cancelForNonPayment } from './app/cancel-subscription';
import { SubscriptionTermsReader } from './app/subscription-terms';
import type { AdjustmentLedger, NonPaymentCancellation, PaidSubscriptionReader, TermsReader } from './ports';

/**
 * The terms timeline usage is rated under (usage, invoicing, contracts read it), and whether the org has
 * a paid subscription (the payments capability's last-payment-method rule).
 */
export const termsReader = (k: Kernel): TermsReader & PaidSubscriptionReader =>
  new SubscriptionTermsReader({
    clock: k.clock,
    orgs: orgReader(k),
    subscriptions: new DynamoSubscriptionStore(k.db, k.config.tableName),
  });

/** The pending adjustment lines, and the write that marks them billed in an invoice's transaction. */
export const adjustmentLedger = (k: Kernel): AdjustmentLedger =>
  new DynamoAdjustmentLedger(new DynamoSubscriptionStore(k.db, k.config.tableName), k.config.tableName);

/** Ending a paid subscription for non-payment (the collection capability, when dunning reaches canceled). */
export function nonPaymentCancellation(k: Kernel): NonPaymentCancellation {
  const deps = {
    clock: k.clock,
    ids: k.ids,
    orgs: orgReader(k),
    subscriptions: new DynamoSubscriptionStore(k.db, k.config.tableName),
    paymentMethodCheck: paymentMethodCheck(k),
  };
  return { cancelForNonPayment: (orgId, ctx) => cancelForNonPayment(deps, ctx, orgId) };
}
