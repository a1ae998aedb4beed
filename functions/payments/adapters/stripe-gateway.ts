import type Stripe from 'stripe';
import { isResourceMissing, toAppErrorFromStripe } from '../../kernel/stripe/errors';
import type { GatewayCustomer, GatewayDispute, GatewayPaymentMethod } from '../domain/payments';
import type { PaymentGateway } from '../ports';

const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();
const idOf = (ref: string | { id: string } | null | undefined): string | null =>
  ref == null ? null : typeof ref === 'string' ? ref : ref.id;

export function toGatewayPaymentMethod(pm: Stripe.PaymentMethod): GatewayPaymentMethod {
  return {
    id: pm.id,
    customerId: idOf(pm.customer),
    type: pm.type,
    ...(pm.card
      ? { brand: pm.card.brand, last4: pm.card.last4, expMonth: pm.card.exp_month, expYear: pm.card.exp_year }
      : {}),
    createdAt: iso(pm.created),
  };
}

/**
 * The one Stripe adapter: the real SDK (locally pointed at the sandbox). Every write carries an
 * idempotency key the caller derived from the domain operation; reads never do. Errors leave as
 * AppErrors (see errors.ts); "no such object" reads answer undefined.
 */
export class StripePaymentGateway implements PaymentGateway {
  constructor(private readonly stripe: () => Promise<Stripe>) {}

  private async call<T>(operation: string, run: (stripe: Stripe) => Promise<T>): Promise<T> {
    try {
      return await run(await this.stripe());
    } catch (error) {
      throw toAppErrorFromStripe(error, operation);
    }
  }

  private async read<T>(operation: string, run: (stripe: Stripe) => Promise<T>): Promise<T | undefined> {
    try {
      return await run(await this.stripe());
    } catch (error) {
      if (isResourceMissing(error)) return undefined;
      throw toAppErrorFromStripe(error, operation);
    }
  }

  createCustomer(input: { orgId: string; name: string }): Promise<string> {
    return this.call('create customer', async (s) => {
      const customer = await s.customers.create(
        { name: input.name, metadata: { org_id: input.orgId } },
        // The org's customer is created once, whatever the retries (of this call, the Lambda, or the client).
        { idempotencyKey: `customer:${input.orgId}` },
      );
      return customer.id;
    });
  }

  retrieveCustomer(customerId: string): Promise<GatewayCustomer | undefined> {
    return this.read('retrieve customer', async (s) => {
      const customer = await s.customers.retrieve(customerId);
      if ((customer as Stripe.DeletedCustomer).deleted) return undefined;
      const live = customer as Stripe.Customer;
      return {
        id: live.id,
        ...(live.metadata?.org_id ? { orgId: live.metadata.org_id } : {}),
        defaultPaymentMethodId: idOf(live.invoice_settings?.default_payment_method),
      };
    });
  }

  createSetupIntent(input: { customerId: string; orgId: string; idempotencyKey: string }) {
    return this.call('create setup intent', async (s) => {
      const intent = await s.setupIntents.create(
        {
          customer: input.customerId,
          usage: 'off_session',
          metadata: { org_id: input.orgId },
        },
        { idempotencyKey: input.idempotencyKey },
      );
      if (!intent.client_secret) throw new Error('Stripe returned a SetupIntent without a client_secret');
      return { id: intent.id, clientSecret: intent.client_secret };
    });
  }

  retrieveSetupIntent(setupIntentId: string) {
    return this.read('retrieve setup intent', async (s) => {
      const intent = await s.setupIntents.retrieve(setupIntentId);
      if (!intent.client_secret) throw new Error('Stripe returned a SetupIntent without a client_secret');
      return { id: intent.id, clientSecret: intent.client_secret, customerId: idOf(intent.customer) };
    });
  }

  listPaymentMethods(customerId: string): Promise<GatewayPaymentMethod[]> {
    return this.call('list payment methods', async (s) => {
      const methods: GatewayPaymentMethod[] = [];
      // Auto-pagination: an org with more than 100 cards is unusual but must not be truncated.
      for await (const pm of s.customers.listPaymentMethods(customerId, { type: 'card', limit: 100 })) {
        methods.push(toGatewayPaymentMethod(pm));
      }
      return methods;
    });
  }

  retrievePaymentMethod(paymentMethodId: string): Promise<GatewayPaymentMethod | undefined> {
    return this.read('retrieve payment method', async (s) =>
      toGatewayPaymentMethod(await s.paymentMethods.retrieve(paymentMethodId)),
    );
  }

  async detachPaymentMethod(paymentMethodId: string, idempotencyKey: string): Promise<void> {
    await this.call('detach payment method', (s) => s.paymentMethods.detach(paymentMethodId, {}, { idempotencyKey }));
  }

  async setDefaultPaymentMethod(customerId: string, paymentMethodId: string, idempotencyKey: string): Promise<void> {
    await this.call('set default payment method', (s) =>
      s.customers.update(
        customerId,
        { invoice_settings: { default_payment_method: paymentMethodId } },
        { idempotencyKey },
      ),
    );
  }

  retrieveDispute(disputeId: string): Promise<GatewayDispute | undefined> {
    return this.read('retrieve dispute', async (s) => {
      const dispute = await s.disputes.retrieve(disputeId);
      const chargeId = idOf(dispute.charge)!;
      // The dispute names its charge; the charge names the customer, which names the org.
      const charge = typeof dispute.charge === 'string' ? await s.charges.retrieve(chargeId) : dispute.charge;
      return {
        id: dispute.id,
        chargeId,
        customerId: idOf(charge.customer),
        status: dispute.status,
        amountMinor: dispute.amount,
        currency: dispute.currency.toUpperCase(),
        ...(dispute.reason ? { reason: dispute.reason } : {}),
        createdAt: iso(dispute.created),
      };
    });
  }
}
