import Stripe from 'stripe';
import { collectInvoice } from '../../../functions/collection/app/collect-invoices';
import type { Clock } from '../../../functions/kernel/clock';
import { stripeOptions } from '../../../functions/kernel/stripe/client';
import { reconcileStripeEvent, type StripeEventEnvelope } from '../../../functions/payments/app/reconcile-stripe-event';
import type { Deps } from '../../../scripts/local/all-deps';
import type { StripeSandbox } from '../../../scripts/stripe-sandbox';
import { crashingAfter } from '../../support/crashing-gateway';
import { issueInvoice } from '../../support/issued-invoice';
import { newOrg, type Violations } from '../scenario';

/**
 * Charging and reconciliation under crashes. A trial issues an invoice to an org whose Stripe customer
 * pays with a card that succeeds or always declines, and crashes its charge at a random point: a
 * DynamoDB call failing before or after it is sent, or the process dying right after a Stripe call
 * succeeded (the response lost). The schedule runs the charge again until it completes, and once more.
 * Then the declined invoice is paid out of band at Stripe (the hosted page), and every event Stripe
 * emitted for the customer is delivered to the reconciler with a crash at a random point of it, each
 * failed delivery redelivered, all of them once more. Counted in the sandbox: one Stripe invoice and one
 * charge per payment (0 duplicates); our invoice's status and attempts equal Stripe's (0 partial
 * effects); a second delivery of everything changes nothing.
 */
export interface CollectionCrashes {
  arm(at: number, when: 'before' | 'after'): void;
  disarm(): { fired: boolean; calls: number };
}

const CARDS = [
  { card: 'pm_card_visa', charges: ['succeeded'] },
  { card: 'pm_card_chargeCustomerFail', charges: ['failed', 'succeeded'] },
] as const;

/** Runs `work` until it completes (at most 10 more times), as a schedule or SQS would. */
async function untilDone(work: () => Promise<unknown>, failed: (message: string) => void): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      await work();
      return;
    } catch (error) {
      if (attempt === 9) failed((error as Error).message);
    }
  }
}

export async function crashCharging(input: {
  deps: Deps;
  clock: Clock;
  sandbox: StripeSandbox;
  crash: CollectionCrashes;
  rand: () => number;
  trials: number;
  v: Violations;
  span: { charge: number; reconcile: number };
  onTrial: (faults: number) => void;
}): Promise<void> {
  const { deps, clock, sandbox, crash, rand, v, span } = input;
  const stripe = new Stripe(process.env.STRIPE_SECRET_KEY!, stripeOptions({ stripeApiUrl: sandbox.url }));
  for (let t = 0; t < input.trials; t++) {
    let faults = 0;
    const { card, charges: expectedCharges } = CARDS[t % CARDS.length]!;
    const orgId = await newOrg(deps, 'crash_charge');
    const customer = await stripe.customers.create({
      metadata: { org_id: orgId },
      payment_method: card,
      invoice_settings: { default_payment_method: card },
    });
    await deps.stripeCustomers.link(orgId, customer.id);
    const amounts = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => 50 + Math.floor(rand() * 20_000));
    const invoiceId = await issueInvoice(deps, clock, orgId, amounts);
    const ref = { orgId, invoiceId };
    // Events are kept in the order they happened: this trial's are past `eventsFrom`.
    const eventsFrom = sandbox.control.store.events.all().length;

    // 1. The charge, crashed once at a random point: a DynamoDB call or right after a Stripe call.
    if (rand() < 0.5) {
      crash.arm(1 + Math.floor(rand() * span.charge), rand() < 0.5 ? 'before' : 'after');
      try {
        await collectInvoice(deps, ref);
      } catch {
        /* the schedule runs it again */
      }
      const { fired, calls } = crash.disarm();
      if (fired) faults += 1;
      else span.charge = Math.max(span.charge, calls);
    } else {
      const at = 1 + Math.floor(rand() * 8);
      const crashing = crashingAfter(deps.gateway, at);
      try {
        await collectInvoice({ ...deps, gateway: crashing.gateway }, ref);
      } catch {
        /* the schedule runs it again */
      }
      if (crashing.calls() >= at) faults += 1;
    }
    await untilDone(
      () => collectInvoice(deps, ref),
      (m) => v.add(`charge trial ${t}: keeps failing: ${m}`),
    );
    await collectInvoice(deps, ref); // the schedule firing once more changes nothing

    // 2. A declined invoice is then paid at Stripe, out of band (the hosted page).
    const ours = (await deps.ledger.get(orgId, invoiceId))!.invoice;
    const stripeInvoiceId = ours.collection?.stripe?.invoiceId;
    if (!stripeInvoiceId) {
      v.add(`charge trial ${t}: our invoice names no Stripe invoice after the charge`);
      input.onTrial(faults);
      continue;
    }
    if (ours.status === 'open') {
      await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
      await stripe.invoices.pay(stripeInvoiceId, { payment_method: 'pm_card_visa' });
    }

    // 3. Every event Stripe emitted for it, through the reconciler, with a crash; failures redelivered.
    const events = sandbox.control.store.events
      .all()
      .slice(eventsFrom)
      .filter((e) => (e.data.object as { customer?: unknown }).customer === customer.id)
      .map((e) => JSON.parse(JSON.stringify(e)) as StripeEventEnvelope);
    const crashAt = Math.floor(rand() * events.length);
    for (const [i, event] of events.entries()) {
      if (i === crashAt) crash.arm(1 + Math.floor(rand() * span.reconcile), rand() < 0.5 ? 'before' : 'after');
      try {
        await reconcileStripeEvent(deps, event);
      } catch {
        /* SQS redelivers it */
      }
      if (i === crashAt) {
        const { fired, calls } = crash.disarm();
        if (fired) faults += 1;
        else span.reconcile = Math.max(span.reconcile, calls);
      }
      await untilDone(
        () => reconcileStripeEvent(deps, event),
        (m) => v.add(`reconcile trial ${t}: ${event.type} keeps failing: ${m}`),
      );
    }
    const settled = JSON.stringify((await deps.ledger.get(orgId, invoiceId))!);
    for (const event of events) await reconcileStripeEvent(deps, event); // every event delivered again

    // 4. Counted in the sandbox, and compared with ours.
    const atStripe = {
      invoices: sandbox.control.store.invoices.all().filter((i) => i.customer === customer.id),
      charges: sandbox.control.store.charges.all().filter((c) => c.customer === customer.id),
    };
    const final = (await deps.ledger.get(orgId, invoiceId))!;
    const attempts = final.invoice.collection?.attempts ?? [];
    const got = {
      stripeInvoices: atStripe.invoices.length,
      charges: atStripe.charges.map((c) => c.status).join(','),
      stripeTotal: atStripe.invoices[0]?.total,
      stripeStatus: atStripe.invoices[0]?.status,
      ours: final.invoice.status,
      attempts: attempts
        .map((a) => a.id)
        .sort()
        .join(','),
    };
    const want = {
      stripeInvoices: 1,
      charges: expectedCharges.join(','),
      stripeTotal: amounts.reduce((a, b) => a + b, 0),
      stripeStatus: 'paid',
      ours: 'paid',
      attempts: atStripe.charges
        .map((c) => c.id)
        .sort()
        .join(','),
    };
    if (JSON.stringify(got) !== JSON.stringify(want))
      v.add(`charge trial ${t} (${card}): ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    if (JSON.stringify(final) !== settled) v.add(`reconcile trial ${t}: a second delivery of every event changed ours`);
    const billing = await deps.billingStatus.get(orgId);
    if (billing && billing.dunningState !== 'none')
      v.add(`charge trial ${t}: still in dunning (${billing.dunningState}) after the invoice was paid`);
    input.onTrial(faults);
  }
}
