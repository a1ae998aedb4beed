import { compositionRoot, type Kernel } from '../kernel/compose';
import { createSqsClient } from '../kernel/sqs/client';
import { stripeClientProvider } from '../kernel/stripe/client';
import { SqsStripeEventQueue } from './adapters/stripe-event-queue';
import { StripePaymentGateway } from './adapters/stripe-gateway';
import { buildPaymentsDeps } from './compose';

/**
 * The payments capability with Stripe: the gateway (SetupIntents, payment methods, disputes) and the
 * Stripe-events queue the webhook feeds. Only the functions that call Stripe import this module; the
 * reconciler adds collection's handler for invoice events (compose-reconciler.ts).
 */
export function buildStripePaymentsDeps(k: Kernel) {
  return {
    ...buildPaymentsDeps(k),
    paymentGateway: new StripePaymentGateway(stripeClientProvider(k.config)),
    stripeEventQueue: new SqsStripeEventQueue(createSqsClient(k.config), k.config.stripeEventsQueueUrl),
  };
}
export type StripePaymentsDeps = ReturnType<typeof buildStripePaymentsDeps>;

export const { deps, buildDeps, setDepsForTesting } = compositionRoot(buildStripePaymentsDeps);
