import type Stripe from 'stripe';

/**
 * Stripe's documented test payment methods (https://docs.stripe.com/testing). Each id is a *template*:
 * using `pm_card_visa` (to confirm a SetupIntent, attach, or pay) makes Stripe create a new concrete
 * `pm_…` with that card's brand and last4; the template id itself is never stored on an object.
 * Declining cards attach fine and fail when charged (`chargeCustomerFail` is Stripe's "attaches, then
 * every charge fails" card, the dunning case); `authenticationRequired` needs 3-D Secure on every
 * payment, so an off-session charge stops at `requires_action`; `createDispute` succeeds, then is disputed.
 */
export interface TestCard {
  brand: 'visa' | 'mastercard' | 'amex';
  last4: string;
  funding: 'credit' | 'debit';
  /** How a charge on the card ends. */
  outcome:
    | { kind: 'succeed' }
    | { kind: 'decline'; declineCode: string; message: string; code?: string }
    /** Every payment needs the cardholder's 3-D Secure authentication: off-session it cannot complete. */
    | { kind: 'authenticate' }
    | { kind: 'dispute' };
}

const declined = (declineCode: string, message: string, code = 'card_declined'): TestCard['outcome'] => ({
  kind: 'decline',
  declineCode,
  message,
  code,
});

export const TEST_CARDS: Readonly<Record<string, TestCard>> = {
  pm_card_visa: { brand: 'visa', last4: '4242', funding: 'credit', outcome: { kind: 'succeed' } },
  pm_card_visa_debit: { brand: 'visa', last4: '5556', funding: 'debit', outcome: { kind: 'succeed' } },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444', funding: 'credit', outcome: { kind: 'succeed' } },
  pm_card_amex: { brand: 'amex', last4: '8431', funding: 'credit', outcome: { kind: 'succeed' } },
  pm_card_chargeDeclined: {
    brand: 'visa',
    last4: '0002',
    funding: 'credit',
    outcome: declined('generic_decline', 'Your card was declined.'),
  },
  // Stripe documents this one as `pm_card_visa_chargeDeclinedInsufficientFunds`; the short alias is ours.
  pm_card_chargeDeclinedInsufficientFunds: {
    brand: 'visa',
    last4: '9995',
    funding: 'credit',
    outcome: declined('insufficient_funds', 'Your card has insufficient funds.'),
  },
  pm_card_visa_chargeDeclinedInsufficientFunds: {
    brand: 'visa',
    last4: '9995',
    funding: 'credit',
    outcome: declined('insufficient_funds', 'Your card has insufficient funds.'),
  },
  pm_card_chargeCustomerFail: {
    brand: 'visa',
    last4: '0341',
    funding: 'credit',
    outcome: declined('generic_decline', 'Your card was declined.'),
  },
  // Expired card: Stripe reports code `expired_card` with decline_code `expired_card`.
  pm_card_chargeDeclinedExpiredCard: {
    brand: 'visa',
    last4: '0069',
    funding: 'credit',
    outcome: declined('expired_card', 'Your card has expired.', 'expired_card'),
  },
  // 4000 0027 6000 3184: "requires authentication on all transactions" (docs.stripe.com/testing#regulatory-cards).
  pm_card_authenticationRequired: {
    brand: 'visa',
    last4: '3184',
    funding: 'credit',
    outcome: { kind: 'authenticate' },
  },
  pm_card_createDispute: { brand: 'visa', last4: '0259', funding: 'credit', outcome: { kind: 'dispute' } },
};

export const isTestCardId = (id: string): boolean => Object.hasOwn(TEST_CARDS, id);

/** Our concrete payment methods remember which test card they came from (Stripe keys it on the PAN). */
export function cardFingerprint(template: string): string {
  let h = 0;
  for (const c of template) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `sbx${h.toString(36)}`.slice(0, 16).padEnd(16, '0');
}

export function cardDetails(template: string, card: TestCard, now: Date): Stripe.PaymentMethod.Card {
  return {
    brand: card.brand,
    checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
    country: 'US',
    display_brand: card.brand === 'amex' ? 'american_express' : card.brand,
    exp_month: now.getUTCMonth() + 1,
    // Stripe's test cards take any future expiry; Stripe fills in one a few years ahead.
    exp_year: now.getUTCFullYear() + 3,
    fingerprint: cardFingerprint(template),
    funding: card.funding,
    generated_from: null,
    last4: card.last4,
    networks: { available: [card.brand], preferred: null },
    regulated_status: 'unregulated',
    three_d_secure_usage: { supported: true },
    wallet: null,
  };
}
