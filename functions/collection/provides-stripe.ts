import type Stripe from 'stripe';
import type { Kernel } from '../kernel/compose';
import type { InvoiceEventHandler } from '../payments/ports';
import { reconcileInvoiceEvent } from './app/reconcile-invoice-event';
import { buildCollectionCore } from './compose-stripe';

/**
 * The hand-off from the payments reconciler: `invoice.*` and `payment_intent.*` events applied by
 * collection. The caller (payments' compose-stripe.ts) passes its Stripe client.
 */
export function invoiceEventHandler(k: Kernel, stripe: () => Promise<Stripe>): InvoiceEventHandler {
  const deps = buildCollectionCore(k, stripe);
  return { handle: (event, inbox) => reconcileInvoiceEvent(deps, event, inbox) };
}
