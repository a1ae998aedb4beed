import type Stripe from 'stripe';
import { paymentStanding } from '../dunning/provides';
import { collectionLedger } from '../invoicing/provides';
import { compositionRoot, type Kernel } from '../kernel/compose';
import { stripeClientProvider } from '../kernel/stripe/client';
import { noticeOutbox } from '../notices/provides';
import { billingCalendar } from '../orgs/provides';
import { paymentMethodReader } from '../payments/provides';
import { stripeCustomerAccounts } from '../payments/provides-stripe';
import { DynamoReconciliationStore } from './adapters/reconciliation-store';
import { StripeCollectionGateway } from './adapters/stripe-collection-gateway';
import type { CollectionDeps } from './app/collection-common';
import { DEFAULT_RETRY_DAYS } from './domain/collection';

/** The collection use cases' deps over a given Stripe client (shared with the payments reconciler's hand-off). */
export function buildCollectionCore(k: Kernel, stripe: () => Promise<Stripe>): CollectionDeps {
  return {
    clock: k.clock,
    ids: k.ids,
    ledger: collectionLedger(k),
    gateway: new StripeCollectionGateway(stripe),
    customers: stripeCustomerAccounts(k, stripe),
    orgPaymentMethods: paymentMethodReader(k),
    standing: paymentStanding(k),
    notices: noticeOutbox(k),
    retryDays: DEFAULT_RETRY_DAYS,
  };
}

/**
 * The collection capability with Stripe: mirroring and charging issued invoices, retries, pay-now,
 * overdue net terms and the ledger ↔ Stripe reconciliation. The invoices come through invoicing's
 * CollectionLedger, dunning through its PaymentStanding, the Stripe customer and payment methods from
 * payments, the billing calendar (every org) from orgs.
 */
export function buildStripeCollectionDeps(k: Kernel) {
  return {
    ...buildCollectionCore(k, stripeClientProvider(k.config)),
    calendar: billingCalendar(k),
    reports: new DynamoReconciliationStore(k.db, k.config.tableName),
  };
}
export type StripeCollectionDeps = ReturnType<typeof buildStripeCollectionDeps>;

export const { deps, buildDeps, setDepsForTesting } = compositionRoot(buildStripeCollectionDeps);
