import { compositionRoot, type Kernel } from '../kernel/compose';
import { orgReader } from '../orgs/provides';
import type { PaidSubscriptionReader } from '../subscriptions/ports';
import { termsReader } from '../subscriptions/provides';
import { DynamoDisputeStore } from './adapters/dispute-store';
import { DynamoPaymentMethodStore } from './adapters/payment-method-store';
import { DynamoStripeCustomerStore } from './adapters/stripe-customer-store';
import { DynamoStripeEventInbox } from './adapters/stripe-event-inbox';

/**
 * The payments capability's stores: the Stripe customer links, the payment-method mirror, disputes and
 * the webhook inbox. No Stripe SDK here: the routes that only read the mirror stay lean; what calls
 * Stripe composes from `compose-stripe.ts`.
 */
export function buildPaymentsDeps(k: Kernel) {
  const table = k.config.tableName;
  const paymentMethods = new DynamoPaymentMethodStore(k.db, table);
  const paidSubscriptions: PaidSubscriptionReader = termsReader(k);
  return {
    config: k.config,
    clock: k.clock,
    ids: k.ids,
    billingStatus: k.billingStatus,
    orgs: orgReader(k),
    paidSubscriptions,
    stripeCustomers: new DynamoStripeCustomerStore(k.db, table),
    paymentMethods,
    paymentMethodMirror: paymentMethods,
    disputes: new DynamoDisputeStore(k.db, table),
    inbox: new DynamoStripeEventInbox(k.db, table),
  };
}
export type PaymentsDeps = ReturnType<typeof buildPaymentsDeps>;

export const { deps, buildDeps, setDepsForTesting } = compositionRoot(buildPaymentsDeps);
