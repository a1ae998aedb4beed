import Stripe from 'stripe';
import { ulid } from 'ulid';
import { collectInvoice } from '../../../functions/collection/app/collect-invoices';
import { systemActor } from '../../../functions/kernel/audit';
import { systemClock } from '../../../functions/kernel/clock';
import { stripeOptions } from '../../../functions/kernel/stripe/client';
import { provisionOrg } from '../../../functions/orgs/app/provision-org';
import type { StripeEventEnvelope } from '../../../functions/payments/app/reconcile-stripe-event';
import type { PaymentGateway } from '../../../functions/payments/ports';
import { handler as reconcileStripeEvents } from '../../../functions/payments/queue/reconcile-stripe-events';
import { type Deps, setDepsForTesting } from '../../../scripts/local/all-deps';
import { issueInvoice } from '../../support/issued-invoice';
import { StripeModel, type StripeOp } from '../../support/stripe-model';
import { newOrg, pick, prng, type Scenario, shuffle, sqsEvent, Violations } from '../scenario';

/**
 * Stripe's delivery contract, permuted: every event at least once, in any order, some several times,
 * some delivered while Stripe's state has already moved on. Each trial is one customer whose payment
 * methods and dispute change by random operations (the model emits the event Stripe would); the events
 * go through the real queue consumer (batches, batchItemFailures, redelivery) over DynamoDB Local. At
 * the end the org's mirror, default card, dispute and freeze must equal Stripe's.
 */
const CUSTOMER = /cus_[0-9a-z]{26}/;

/** One gateway for every trial's model: a call goes to the model whose customer its arguments name. */
function routingGateway(models: Map<string, StripeModel>): PaymentGateway {
  return new Proxy({} as PaymentGateway, {
    get: (_target, method: string) => {
      return async (...args: unknown[]) => {
        const customer = CUSTOMER.exec(JSON.stringify(args))?.[0];
        const model = customer ? models.get(customer) : undefined;
        if (!model) return undefined; // Stripe answers 404 for what it does not know.
        const fn = (model as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method];
        if (!fn) throw new Error(`the Stripe model does not answer ${method}`);
        return fn.apply(model, args);
      };
    },
  });
}

function randomOps(rand: () => number): StripeOp[][] {
  const ops: StripeOp[] = [{ kind: 'attach', pm: 1 }];
  const n = 3 + Math.floor(rand() * 9);
  const disputes = rand() < 0.5;
  for (let i = 0; i < n; i++) {
    const r = rand();
    const pm = 1 + Math.floor(rand() * 3);
    if (disputes && r < 0.25) {
      ops.push({ kind: 'dispute', status: ['needs_response', 'under_review', 'won', 'lost'][Math.floor(rand() * 4)]! });
    } else if (r < 0.5) ops.push({ kind: 'attach', pm });
    else if (r < 0.65) ops.push({ kind: 'detach', pm });
    else if (r < 0.8) ops.push({ kind: 'default', pm });
    else ops.push({ kind: 'update', pm, expYear: 2027 + Math.floor(rand() * 9) });
  }
  // Two phases: some events are delivered before the rest of the history happens.
  const cut = 1 + Math.floor(rand() * ops.length);
  return [ops.slice(0, cut), ops.slice(cut)];
}

export const webhooks: Scenario = {
  name: 'webhooks: permutations with duplicates',
  what: 'payment-method, dispute, invoice and payment-intent histories in random order with duplicates → final state equals Stripe’s',
  async run({ deps, sandbox, scale, progress }) {
    const rand = prng(5_000);
    const trials = pick(scale, 40, 5_000);
    const models = new Map<string, StripeModel>();
    setDepsForTesting({ ...deps, paymentGateway: routingGateway(models) } as Deps);
    const v = new Violations();
    let deliveries = 0;
    let duplicates = 0;
    let done = 0;

    const deliver = async (events: StripeEventEnvelope[]) => {
      let pending = events.map((e) => ({ messageId: ulid(), body: JSON.stringify(e), sentAt: new Date() }));
      for (let receive = 1; pending.length > 0 && receive <= 10; receive++) {
        const failed: typeof pending = [];
        for (let i = 0; i < pending.length; ) {
          const batch = pending.slice(i, i + 1 + Math.floor(rand() * 10));
          i += batch.length;
          const out = await reconcileStripeEvents(sqsEvent(batch.map((m) => ({ ...m, receiveCount: receive }))));
          const ids = new Set(out.batchItemFailures.map((f) => f.itemIdentifier));
          failed.push(...batch.filter((m) => ids.has(m.messageId)));
        }
        deliveries += pending.length;
        pending = failed;
      }
      if (pending.length > 0) v.add(`${pending.length} events still failing after 10 receives`);
    };

    const stripeApi = new Stripe(process.env.STRIPE_SECRET_KEY!, stripeOptions({ stripeApiUrl: sandbox.url }));
    let invoiceTrials = 0;
    /**
     * An invoice's history at Stripe (the sandbox): charged by collection with a card that pays or always
     * declines, then changed out of band (paid on the hosted page, voided, written off, or a mix), its
     * invoice and payment-intent events delivered in two shuffled phases with duplicates. Ours must end
     * with Stripe's status and exactly its charges as attempts.
     */
    const invoiceTrial = async () => {
      invoiceTrials += 1;
      const orgId = await newOrg(deps, 'wh_invoice');
      const card = rand() < 0.5 ? 'pm_card_visa' : 'pm_card_chargeCustomerFail';
      const customer = await stripeApi.customers.create({
        metadata: { org_id: orgId },
        payment_method: card,
        invoice_settings: { default_payment_method: card },
      });
      await deps.stripeCustomers.link(orgId, customer.id);
      const amounts = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => 100 + Math.floor(rand() * 9_000));
      const invoiceId = await issueInvoice(deps, systemClock, orgId, amounts);
      // Events are kept in the order they happened: this trial's are past `from`, and name its customer.
      const from = sandbox.control.store.events.all().length;
      const fresh = () =>
        sandbox.control.store.events
          .all()
          .slice(from)
          .filter((e) => (e.data.object as { customer?: unknown }).customer === customer.id)
          .map((e) => JSON.parse(JSON.stringify(e)) as StripeEventEnvelope);
      await collectInvoice(deps, { orgId, invoiceId });
      const stripeInvoiceId = (await deps.ledger.get(orgId, invoiceId))?.invoice.collection?.stripe?.invoiceId;
      if (!stripeInvoiceId) {
        v.add(`${orgId}: the charge left no Stripe invoice`);
        return;
      }
      const history: StripeEventEnvelope[] = [];
      const delivered = new Set<string>();
      const phase = async (last: boolean) => {
        history.push(...fresh().filter((e) => !history.some((h) => h.id === e.id)));
        const chosen = history.filter((e) => (last ? !delivered.has(e.id) : rand() < 0.6));
        const extra = Array.from(
          { length: Math.floor(rand() * 4) },
          () => history[Math.floor(rand() * history.length)]!,
        ).filter(Boolean);
        duplicates += extra.length + chosen.filter((e) => delivered.has(e.id)).length;
        for (const e of chosen) delivered.add(e.id);
        await deliver(shuffle([...chosen, ...extra], rand));
      };
      await phase(false);
      // Out of band at Stripe, while some of the first events are still on their way.
      for (let op = 0; op < 2; op++) {
        const status = (await stripeApi.invoices.retrieve(stripeInvoiceId)).status;
        if (status !== 'open' && status !== 'uncollectible') break;
        const r = rand();
        if (r < 0.35) {
          await stripeApi.paymentMethods.attach('pm_card_visa', { customer: customer.id });
          await stripeApi.invoices.pay(stripeInvoiceId, { payment_method: 'pm_card_visa' });
        } else if (r < 0.55) await stripeApi.invoices.voidInvoice(stripeInvoiceId);
        else if (r < 0.75 && status === 'open') await stripeApi.invoices.markUncollectible(stripeInvoiceId);
      }
      await phase(true);
      const atStripe = await stripeApi.invoices.retrieve(stripeInvoiceId);
      const charges = sandbox.control.store.charges
        .all()
        .filter((c) => c.customer === customer.id)
        .map((c) => c.id)
        .sort();
      const ours = (await deps.ledger.get(orgId, invoiceId))!.invoice;
      const got = { status: ours.status, attempts: (ours.collection?.attempts ?? []).map((a) => a.id).sort() };
      const want = { status: atStripe.status, attempts: charges };
      if (JSON.stringify(got) !== JSON.stringify(want))
        v.add(`${orgId} (${card}): ours ${JSON.stringify(got)}, Stripe ${JSON.stringify(want)}`);
    };

    const trial = async (n: number) => {
      // One trial in five is an invoice's history; the rest payment methods and disputes.
      if (n % 5 === 4) {
        await invoiceTrial();
        progress(++done, trials);
        return;
      }
      const id = ulid().toLowerCase();
      const stripe = new StripeModel(`cus_${id}`, `org_wh_${id}`, Date.now() - 3_600_000);
      models.set(stripe.customerId, stripe);
      await provisionOrg(
        deps,
        { actor: systemActor('proof') },
        { orgId: stripe.orgId, name: 'Webhooks', defaultCurrency: 'USD' },
      );
      await deps.stripeCustomers.link(stripe.orgId, stripe.customerId);
      const delivered = new Set<string>();
      for (const [phase, ops] of randomOps(rand).entries()) {
        for (const op of ops) stripe.apply(op);
        // After the first phase a random part of what happened so far; after the last, everything not
        // yet delivered. Either way with duplicates, shuffled.
        const last = phase === 1;
        const chosen = stripe.events.filter((e) => (last ? !delivered.has(e.id) : rand() < 0.6));
        const extra = Array.from(
          { length: Math.floor(rand() * 4) },
          () => stripe.events[Math.floor(rand() * stripe.events.length)]!,
        );
        duplicates += extra.length + chosen.filter((e) => delivered.has(e.id)).length;
        for (const e of chosen) delivered.add(e.id);
        await deliver(shuffle([...chosen, ...extra], rand));
      }
      const mirror = await deps.paymentMethods.list(stripe.orgId);
      const view = (ms: { id: string; expYear?: number; isDefault: boolean }[]) =>
        JSON.stringify(ms.map((m) => [m.id, m.expYear, m.isDefault]).sort());
      const want = view(stripe.attached().map((m) => ({ ...m, isDefault: m.id === stripe.defaultId })));
      if (view(mirror) !== want) v.add(`${stripe.orgId}: mirror ${view(mirror)}, Stripe ${want}`);
      if (stripe.dispute) {
        const status = (await deps.billingStatus.get(stripe.orgId))!;
        const open = !['won', 'lost'].includes(stripe.dispute.status);
        const freeze = JSON.stringify(status.freezeReasons);
        const expectFreeze = JSON.stringify(open ? [`dispute:${stripe.dispute.id}`] : []);
        if (freeze !== expectFreeze)
          v.add(`${stripe.orgId}: frozen ${freeze} with the dispute ${stripe.dispute.status}`);
        const statuses = JSON.stringify(status.disputes.map((d) => d.status));
        if (statuses !== JSON.stringify([stripe.dispute.status]))
          v.add(`${stripe.orgId}: dispute ${statuses}, Stripe ${stripe.dispute.status}`);
      }
      models.delete(stripe.customerId);
      progress(++done, trials);
    };

    try {
      const lanes = 6;
      let next = 0;
      await Promise.all(
        Array.from({ length: lanes }, async () => {
          while (next < trials) {
            next += 1;
            await trial(next);
          }
        }),
      );
    } finally {
      setDepsForTesting(deps);
    }
    return {
      trials,
      faults: duplicates,
      violations: v.count,
      examples: v.examples,
      notes: [
        `${deliveries} deliveries, ${duplicates} of them duplicates`,
        `${invoiceTrials} of the trials are invoice histories`,
      ],
    };
  },
};
