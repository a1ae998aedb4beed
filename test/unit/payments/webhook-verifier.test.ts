import Stripe from 'stripe';
import {
  SIGNATURE_TOLERANCE_SECONDS,
  verifyStripeWebhook,
} from '../../../functions/payments/adapters/webhook-verifier';
import { signatureHeader } from '../../../scripts/stripe-sandbox/webhooks';

const SECRET = 'whsec_verifier_0123456789';
const body = JSON.stringify({
  id: 'evt_1',
  object: 'event',
  type: 'invoice.paid',
  created: 1_790_000_000,
  data: { object: {} },
});
const now = 1_790_000_000_000;
const at = (secondsAgo: number) => Math.floor(now / 1000) - secondsAgo;
const verify = (header: string) => () => verifyStripeWebhook(Buffer.from(body), header, [SECRET], now);

describe('verifying a Stripe webhook', () => {
  afterEach(() => jest.restoreAllMocks());

  it('accepts a signature the Stripe SDK made, within the tolerance', () => {
    expect(verify(signatureHeader(body, SECRET, at(SIGNATURE_TOLERANCE_SECONDS - 1)))().event.id).toBe('evt_1');
  });

  it('tells a stale signature from a wrong one by which check fails, whatever the SDK’s wording', () => {
    // Error messages are for humans and change between SDK versions: reword every one of them.
    const real = Stripe.webhooks.constructEvent.bind(Stripe.webhooks);
    jest.spyOn(Stripe.webhooks, 'constructEvent').mockImplementation((...args) => {
      try {
        return real(...args);
      } catch (error) {
        if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
          throw new Stripe.errors.StripeSignatureVerificationError('header', 'payload', {
            message: 'Zeitstempel ungültig',
          });
        }
        throw error;
      }
    });
    expect(verify(signatureHeader(body, SECRET, at(SIGNATURE_TOLERANCE_SECONDS + 1)))).toThrow(
      expect.objectContaining({ code: 'signature_timestamp_out_of_tolerance' }),
    );
    expect(verify(signatureHeader(body, 'whsec_someone_else', at(1)))).toThrow(
      expect.objectContaining({ code: 'invalid_signature' }),
    );
  });

  it('the sandbox signs with the SDK’s own test header', () => {
    expect(signatureHeader(body, SECRET, 1_790_000_000)).toBe(
      Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET, timestamp: 1_790_000_000 }),
    );
  });
});
