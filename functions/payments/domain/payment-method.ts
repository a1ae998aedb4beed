/**
 * Our mirror of a Stripe PaymentMethod: display data only (brand, last4, expiry). Card numbers never
 * reach our servers; the front end tokenizes with Stripe.js and we only ever hold `pm_…` ids.
 */
export interface PaymentMethodMirror {
  readonly id: string;
  readonly orgId: string;
  readonly type: string;
  readonly brand?: string;
  readonly last4?: string;
  readonly expMonth?: number;
  readonly expYear?: number;
  readonly isDefault: boolean;
  readonly createdAt: string;
  /** Stripe `created`/event time of the newest fact applied: state only moves forward. */
  readonly updatedAt: string;
}
