import type { NonPaymentListener } from '../dunning/ports';
import { collectionLedger } from '../invoicing/provides';
import type { Kernel } from '../kernel/compose';
import { nonPaymentCancellation } from '../subscriptions/provides';
import { enforceNonPayment } from './app/non-payment';
import { DEFAULT_RETRY_DAYS } from './domain/collection';

/**
 * What collection offers without Stripe: the non-payment enforcement dunning sets off at `canceled`
 * (the subscription ended, open invoices written off; Stripe's copies follow through the collect list).
 */
export function nonPaymentEnforcement(k: Kernel): NonPaymentListener {
  const deps = {
    clock: k.clock,
    ids: k.ids,
    ledger: collectionLedger(k),
    subscriptions: nonPaymentCancellation(k),
    retryDays: DEFAULT_RETRY_DAYS,
  };
  return { canceledForNonPayment: (orgId, ctx) => enforceNonPayment(deps, ctx, orgId) };
}
