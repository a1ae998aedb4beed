import type { HandOffOutcome, InboxHandOff, StripeEventEnvelope } from '../../payments/ports';
import { applyObservation, type CollectionDeps, systemContext } from './collection-common';

const idOf = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

async function finish(inbox: InboxHandOff, outcome: Parameters<InboxHandOff['finish']>[0]): Promise<HandOffOutcome> {
  return (await inbox.finish(outcome)) ? outcome.status : 'duplicate';
}

/**
 * An `invoice.*` or `payment_intent.*` event, handed over by the payments reconciler with its inbox
 * record. The payload may be stale and events arrive in any order, so Stripe's invoice is re-read (the
 * instant taken before the re-read) and merged into ours: only forward, attempts once each. The inbox
 * record is finished in the same transaction as the merge, so the event applies exactly once.
 * A PaymentIntent is traced to its invoice through Stripe's invoice payments; one that pays no invoice
 * of ours (a direct charge) is ignored.
 */
export async function reconcileInvoiceEvent(
  deps: CollectionDeps,
  event: StripeEventEnvelope,
  inbox: InboxHandOff,
): Promise<HandOffOutcome> {
  const objectId = idOf(event.data.object.id);
  const stripeInvoiceId = event.type.startsWith('invoice.')
    ? objectId
    : objectId && (await deps.gateway.invoiceOfPaymentIntent(objectId));
  if (!stripeInvoiceId) return finish(inbox, { status: 'ignored', code: 'not_an_invoice_payment' });
  const observedAt = deps.clock.now().toISOString();
  const observed = await deps.gateway.retrieve(stripeInvoiceId);
  if (!observed) return finish(inbox, { status: 'failed', code: 'unknown_invoice' });
  if (!observed.ourInvoiceId || !observed.ourOrgId)
    return finish(inbox, { status: 'ignored', code: 'not_our_invoice' });
  const orgId = observed.ourOrgId;
  const result = await applyObservation(
    deps,
    systemContext(event.id),
    { orgId, invoiceId: observed.ourInvoiceId },
    observed,
    observedAt,
    { parts: [inbox.part({ status: 'handled', orgId })] },
  );
  if (result === 'applied') return 'applied';
  if (result === 'duplicate') return 'duplicate';
  if (result === 'missing') return finish(inbox, { status: 'failed', orgId, code: 'unknown_invoice' });
  return finish(inbox, { status: 'superseded', orgId });
}
