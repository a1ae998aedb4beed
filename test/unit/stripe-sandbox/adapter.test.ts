import Stripe from 'stripe';
import { stripeOptions } from '../../../functions/kernel/stripe/client';
import { StripePaymentGateway } from '../../../functions/payments/adapters/stripe-gateway';
import { verifyStripeWebhook } from '../../../functions/payments/adapters/webhook-verifier';
import { API_KEY, startWorld, stopWorld, WEBHOOK_SECRET, type World } from './harness';

/** The product's own adapter and webhook verifier, pointed at the sandbox exactly as `npm start` does. */
describe('Stripe sandbox ↔ the product’s Stripe adapter', () => {
  let world: World;
  let gateway: StripePaymentGateway;
  beforeEach(async () => {
    world = await startWorld();
    const stripe = new Stripe(API_KEY, stripeOptions({ stripeApiUrl: world.sandbox.url }));
    gateway = new StripePaymentGateway(async () => stripe);
  });
  afterEach(() => stopWorld(world));

  it('runs the card-saving flow and its webhooks verify with the product’s verifier', async () => {
    const { sandbox, receiver, stripe } = world;
    const customerId = await gateway.createCustomer({ orgId: 'org_1', name: 'Acme' });
    expect(await gateway.createCustomer({ orgId: 'org_1', name: 'Acme' })).toBe(customerId);
    const intent = await gateway.createSetupIntent({
      customerId,
      orgId: 'org_1',
      idempotencyKey: 'setup_intent:org_1:r1',
    });
    await stripe.setupIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    const [card] = await gateway.listPaymentMethods(customerId);
    expect(card).toMatchObject({ customerId, brand: 'visa', last4: '4242', type: 'card' });
    await gateway.setDefaultPaymentMethod(customerId, card!.id, 'default_payment_method:org_1:x:r2');
    expect(await gateway.retrieveCustomer(customerId)).toEqual({
      id: customerId,
      orgId: 'org_1',
      defaultPaymentMethodId: card!.id,
    });
    await gateway.detachPaymentMethod(card!.id, `detach:org_1:${card!.id}`);
    expect((await gateway.retrieveCustomer(customerId))!.defaultPaymentMethodId).toBeNull();
    expect(await gateway.retrievePaymentMethod('pm_missing')).toBeUndefined();
    expect(await gateway.retrieveCustomer('cus_missing')).toBeUndefined();

    await sandbox.control.settled();
    for (const r of receiver.received) {
      const verified = verifyStripeWebhook(Buffer.from(r.raw), r.signature, ['whsec_rotated_out', WEBHOOK_SECRET]);
      expect(verified.event.id).toBe(r.event.id);
    }
  });

  it('reads a dispute through its charge to the customer', async () => {
    const { stripe } = world;
    const customerId = await gateway.createCustomer({ orgId: 'org_2', name: 'Beta' });
    await stripe.paymentIntents.create({
      amount: 3100,
      currency: 'eur',
      customer: customerId,
      payment_method: 'pm_card_createDispute',
      confirm: true,
    });
    const [dispute] = (await stripe.disputes.list()).data;
    expect(await gateway.retrieveDispute(dispute!.id)).toMatchObject({
      id: dispute!.id,
      customerId,
      status: 'needs_response',
      amountMinor: 3100,
      currency: 'EUR',
      reason: 'fraudulent',
    });
  });

  it('maps a sandbox outage to the product’s payment_gateway_unavailable', async () => {
    world.sandbox.control.failNext({ path: '/v1/customers', status: 503, shouldRetry: false });
    await expect(gateway.createCustomer({ orgId: 'org_3', name: 'Gamma' })).rejects.toMatchObject({
      code: 'payment_gateway_unavailable',
    });
  });
});
