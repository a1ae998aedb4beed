import { invoiceEventHandler } from '../collection/provides-stripe';
import { compositionRoot, type Kernel } from '../kernel/compose';
import { createSqsClient } from '../kernel/sqs/client';
import { stripeClientProvider } from '../kernel/stripe/client';
import { SqsStripeEventQueue } from './adapters/stripe-event-queue';
import { StripePaymentGateway } from './adapters/stripe-gateway';
import { buildPaymentsDeps } from './compose';

/**
 * The payments capability with Stripe: the gateway (SetupIntents, payment methods, disputes), the
 * Stripe-events queue the webhook feeds, and collection's handler for invoice events. Only the functions
 * that call Stripe import this module.
 */
export function buildStripePaymentsDeps(k: Kernel) {
  const stripe = stripeClientProvider(k.config);
  return {
    ...buildPaymentsDeps(k),
    paymentGateway: new StripePaymentGateway(stripe),
    // HAND-OFF: invoice and payment-intent events are the collection capability's.
    invoiceEvents: invoiceEventHandler(k, stripe),
    stripeEventQueue: new SqsStripeEventQueue(createSqsClient(k.config), k.config.stripeEventsQueueUrl),
  };
}
export type StripePaymentsDeps = ReturnType<typeof buildStripePaymentsDeps>;

export const { deps, buildDeps, setDepsForTesting } = compositionRoot(buildStripePaymentsDeps);
