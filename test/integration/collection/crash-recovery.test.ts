import Stripe from 'stripe';
import { ulid } from 'ulid';
import { collectInvoice } from '../../../functions/collection/app/collect-invoices';
import { fixedClock } from '../../../functions/kernel/clock';
import { loadConfig } from '../../../functions/kernel/config';
import { stripeOptions } from '../../../functions/kernel/stripe/client';
import { provisionOrg } from '../../../functions/orgs/app/provision-org';
import { type StripeSandbox, startStripeSandbox } from '../../../scripts/stripe-sandbox';
import { crashingAfter, StripeCallCrash } from '../../support/crashing-gateway';
import { buildDeps, type Deps } from '../../support/deps';
import { issueInvoice } from '../../support/issued-invoice';

/**
 * A crash between every pair of Stripe calls of a charge, then a re-run: exactly one Stripe invoice and
 * at most one successful charge per invoice, counted in the sandbox. The crash comes right after a call
 * succeeded at Stripe and before anything of it was recorded here (the dangerous place): the re-run must
 * find what Stripe did, by our records or by the idempotency keys of the same steps.
 */
const SECRET_KEY = 'sk_test_collection_crash_0123456789';
const clock = fixedClock('2027-05-10T12:00:00.000Z');
jest.setTimeout(60_000);
let sandbox: StripeSandbox;
let stripe: Stripe;
let deps: Deps;

beforeAll(async () => {
  sandbox = await startStripeSandbox({
    port: 0,
    webhookSecret: 'whsec_unused',
    apiKey: SECRET_KEY,
    clock: () => clock.now(),
  });
  deps = buildDeps({ ...loadConfig(), stripeApiUrl: sandbox.url, stripeSecretKey: SECRET_KEY }, clock);
  stripe = new Stripe(SECRET_KEY, stripeOptions({ stripeApiUrl: sandbox.url }));
});
afterAll(() => sandbox.close());

/** An issued invoice of three lines on a new org whose Stripe customer has `card` as its default. */
async function issued(card: string) {
  const orgId = `org_${ulid().toLowerCase()}`;
  await provisionOrg(
    deps,
    { actor: { type: 'system', id: 'test' } },
    { orgId, name: 'Crash Co', defaultCurrency: 'USD' },
  );
  const customer = await stripe.customers.create({
    metadata: { org_id: orgId },
    payment_method: card,
    invoice_settings: { default_payment_method: card },
  });
  await deps.stripeCustomers.link(orgId, customer.id);
  const id = await issueInvoice(deps, clock, orgId, [4_900, 1_234, 66]);
  return { ref: { orgId, invoiceId: id }, customerId: customer.id };
}

const atStripe = (customerId: string) => ({
  invoices: sandbox.control.store.invoices.all().filter((i) => i.customer === customerId),
  charges: sandbox.control.store.charges.all().filter((c) => c.customer === customerId),
});

describe('charging an invoice survives a crash at any point', () => {
  it.each([
    ['pm_card_visa', 'succeeded', 'paid'],
    ['pm_card_chargeDeclined', 'failed', 'open'],
  ])(
    'with %s: one Stripe invoice and one charge (%s) whatever call the crash follows',
    async (card, charge, status) => {
      const clean = await issued(card);
      const counter = crashingAfter(deps.gateway, Number.POSITIVE_INFINITY);
      await collectInvoice({ ...deps, gateway: counter.gateway }, clean.ref);
      const total = counter.calls();
      expect(total).toBeGreaterThanOrEqual(7); // create, read, 3 items, read, finalize, pay
      for (let n = 1; n <= total; n++) {
        const { ref, customerId } = await issued(card);
        const crashing = crashingAfter(deps.gateway, n);
        await expect(collectInvoice({ ...deps, gateway: crashing.gateway }, ref)).rejects.toBeInstanceOf(
          StripeCallCrash,
        );
        await collectInvoice(deps, ref);
        await collectInvoice(deps, ref); // and the schedule firing once more changes nothing
        const { invoices, charges } = atStripe(customerId);
        expect({ n, invoices: invoices.length, charges: charges.map((c) => c.status) }).toEqual({
          n,
          invoices: 1,
          charges: [charge],
        });
        expect(invoices[0]).toMatchObject({ total: 6_200, status: status === 'paid' ? 'paid' : 'open' });
        expect(invoices[0]!.lines.data).toHaveLength(3);
        const ours = (await deps.ledger.get(ref.orgId, ref.invoiceId))!.invoice;
        expect({ n, status: ours.status, attempts: ours.collection?.attempts.map((a) => a.id) }).toEqual({
          n,
          status,
          attempts: [charges[0]!.id],
        });
      }
    },
  );
});
