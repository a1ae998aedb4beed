import type { StripeEventEnvelope } from '../../functions/payments/app/reconcile-stripe-event';
import type { GatewayCustomer, GatewayDispute, GatewayPaymentMethod } from '../../functions/payments/domain/payments';
import type { PaymentGateway } from '../../functions/payments/ports';

/**
 * A model of Stripe for property tests of the reconciler: one customer, its payment methods and a
 * dispute, changed by operations that each emit the event Stripe would send (with the object as it
 * was then). It implements the PaymentGateway PORT (never the SDK), so the real use case re-reads it.
 */
export type StripeOp =
  | { kind: 'attach'; pm: number }
  | { kind: 'detach'; pm: number }
  | { kind: 'update'; pm: number; expYear: number }
  | { kind: 'default'; pm: number }
  | { kind: 'dispute'; status: string };

export class StripeModel implements PaymentGateway {
  private ms: number;
  private seq = 0;
  readonly events: StripeEventEnvelope[] = [];
  readonly methods = new Map<string, GatewayPaymentMethod>();
  defaultId: string | null = null;
  dispute: GatewayDispute | undefined;

  constructor(
    readonly customerId: string,
    readonly orgId: string,
    startMs = Date.parse('2026-11-01T00:00:00Z'),
  ) {
    this.ms = startMs;
  }

  /** The one clock of the simulation: Stripe's and the reconciler's time, strictly increasing. */
  readonly clock = { now: () => new Date(++this.ms) };

  private emit(type: string, object: Record<string, unknown>, previous?: Record<string, unknown>) {
    const created = Math.floor(this.clock.now().getTime() / 1000);
    this.events.push({
      id: `evt_${this.customerId}_${++this.seq}`,
      type,
      created,
      data: { object: structuredClone(object), ...(previous ? { previous_attributes: previous } : {}) },
    });
  }

  private pmObject(pm: GatewayPaymentMethod) {
    return {
      id: pm.id,
      object: 'payment_method',
      customer: pm.customerId,
      type: 'card',
      card: { exp_year: pm.expYear },
    };
  }

  apply(op: StripeOp): void {
    const id = `pm_${this.customerId}_${'pm' in op ? op.pm : 0}`;
    const pm = this.methods.get(id);
    switch (op.kind) {
      case 'attach':
        if (pm) return; // Stripe refuses to attach twice; a detached method cannot come back.
        this.methods.set(id, {
          id,
          customerId: this.customerId,
          type: 'card',
          brand: 'visa',
          last4: '4242',
          expMonth: 12,
          expYear: 2030,
          createdAt: this.clock.now().toISOString(),
        });
        this.emit('payment_method.attached', this.pmObject(this.methods.get(id)!));
        return;
      case 'detach':
        if (!pm?.customerId) return;
        this.methods.set(id, { ...pm, customerId: null });
        if (this.defaultId === id) this.defaultId = null;
        this.emit('payment_method.detached', this.pmObject(this.methods.get(id)!), { customer: this.customerId });
        return;
      case 'update':
        if (!pm?.customerId) return;
        this.methods.set(id, { ...pm, expYear: op.expYear });
        this.emit('payment_method.updated', this.pmObject(this.methods.get(id)!));
        return;
      case 'default':
        if (!pm?.customerId) return;
        this.defaultId = id;
        this.emit('customer.updated', {
          id: this.customerId,
          object: 'customer',
          invoice_settings: { default_payment_method: id },
        });
        return;
      case 'dispute': {
        const created = !this.dispute;
        if (!this.dispute) {
          this.dispute = {
            id: `dp_${this.customerId}`,
            chargeId: `ch_${this.customerId}`,
            customerId: this.customerId,
            status: op.status,
            amountMinor: 4200,
            currency: 'USD',
            reason: 'fraudulent',
            createdAt: this.clock.now().toISOString(),
          };
        } else {
          if (['won', 'lost', 'warning_closed'].includes(this.dispute.status)) return; // final
          this.dispute = { ...this.dispute, status: op.status };
        }
        const type = created
          ? 'charge.dispute.created'
          : ['won', 'lost', 'warning_closed'].includes(op.status)
            ? 'charge.dispute.closed'
            : 'charge.dispute.updated';
        this.emit(type, {
          id: this.dispute.id,
          object: 'dispute',
          status: this.dispute.status,
          charge: this.dispute.chargeId,
        });
        return;
      }
    }
  }

  /** What the mirror must end up as: Stripe's attached methods and its default. */
  attached(): GatewayPaymentMethod[] {
    return [...this.methods.values()].filter((m) => m.customerId === this.customerId);
  }

  // --- the PaymentGateway port (reads answer the CURRENT state: that is what a re-read sees) ---
  async createCustomer(): Promise<string> {
    return this.customerId;
  }
  async retrieveCustomer(customerId: string): Promise<GatewayCustomer | undefined> {
    await Promise.resolve();
    if (customerId !== this.customerId) return undefined;
    return { id: customerId, orgId: this.orgId, defaultPaymentMethodId: this.defaultId };
  }
  async retrieveSetupIntent(): Promise<undefined> {
    return undefined;
  }

  async createSetupIntent(): Promise<{ id: string; clientSecret: string }> {
    throw new Error('not modelled');
  }
  async listPaymentMethods(customerId: string): Promise<GatewayPaymentMethod[]> {
    await Promise.resolve();
    return customerId === this.customerId ? this.attached().map((m) => ({ ...m })) : [];
  }
  async retrievePaymentMethod(id: string): Promise<GatewayPaymentMethod | undefined> {
    return this.methods.get(id);
  }
  async detachPaymentMethod(): Promise<void> {
    throw new Error('not modelled');
  }
  /** Idempotency keys: the same key is the same operation, whatever Stripe's state since. */
  private readonly seenKeys = new Set<string>();
  async setDefaultPaymentMethod(customerId: string, paymentMethodId: string, idempotencyKey: string): Promise<void> {
    await Promise.resolve();
    if (this.seenKeys.has(idempotencyKey)) return;
    this.seenKeys.add(idempotencyKey);
    if (customerId !== this.customerId || this.methods.get(paymentMethodId)?.customerId !== customerId) {
      throw new Error('resource_missing');
    }
    this.apply({ kind: 'default', pm: Number(paymentMethodId.split('_').pop()) });
  }
  async retrieveDispute(id: string): Promise<GatewayDispute | undefined> {
    await Promise.resolve();
    return this.dispute?.id === id ? { ...this.dispute } : undefined;
  }
}
