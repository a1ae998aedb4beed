import { invoiceEventHandler } from '../collection/provides-stripe';
import { compositionRoot, type Kernel } from '../kernel/compose';
import { stripeClientProvider } from '../kernel/stripe/client';
import { StripePaymentGateway } from './adapters/stripe-gateway';
import { buildStripePaymentsDeps } from './compose-stripe';

/**
 * The Stripe-events reconciler: payments with Stripe, and the HAND-OFF of invoice and payment-intent
 * events to the collection capability (which carries invoicing's ledger with it: only this consumer
 * bundles that, not the payment-method routes).
 */
export function buildReconcilerDeps(k: Kernel) {
  const stripe = stripeClientProvider(k.config);
  return {
    ...buildStripePaymentsDeps(k),
    paymentGateway: new StripePaymentGateway(stripe),
    invoiceEvents: invoiceEventHandler(k, stripe),
  };
}
export type ReconcilerDeps = ReturnType<typeof buildReconcilerDeps>;

export const { deps, buildDeps, setDepsForTesting } = compositionRoot(buildReconcilerDeps);
