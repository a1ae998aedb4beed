import type { PaymentMethodMirror } from '../../../functions/payments/domain/payment-method';
import { buildDeps, type Deps, setDepsForTesting } from '../../support/deps';
import { startTestApi, type TestApi, type TestOrg } from '../support/api';

/**
 * The payment-method routes on their own (no Stripe call needed): the mirror list, 404 for methods the
 * org does not have, and the last-method rule. The Stripe round trips are in payments-e2e.test.ts.
 */
let api: TestApi;
let real: Deps;

beforeAll(async () => {
  real = buildDeps();
  api = await startTestApi();
}, 60_000);
afterEach(() => setDepsForTesting(real));
afterAll(async () => {
  setDepsForTesting(undefined);
  await api.close();
});

const card = (org: string, id: string, isDefault: boolean, createdAt: string): PaymentMethodMirror => ({
  id,
  orgId: org,
  type: 'card',
  brand: 'visa',
  last4: '4242',
  expMonth: 12,
  expYear: 2030,
  isDefault,
  createdAt,
  updatedAt: createdAt,
});

/** Seeds the mirror the way the reconciler writes it. */
async function seedMirror(org: TestOrg, methods: PaymentMethodMirror[]) {
  await real.stripeCustomers.link(org.id, `cus_${org.id}`);
  await real.paymentMethods.apply(
    org.id,
    { apply: true, upserts: methods, deletes: [] },
    '2026-11-01T00:00:00.000Z',
    undefined,
    undefined,
    undefined,
  );
}

describe('payment methods', () => {
  it('lists an org without a card as an empty list', async () => {
    const org = await api.newOrg();
    const res = await api.request('GET /v1/orgs/{org}/payment-methods', {
      token: org.tokens.viewer,
      params: { org: org.id },
    });
    expect(res.status).toBe(403);
    const own = await api.request('GET /v1/orgs/{org}/payment-methods', {
      token: org.tokens.billing_admin,
      params: { org: org.id },
    });
    expect(own.status).toBe(200);
    expect(own.body).toEqual({ data: [] });
  });

  it('lists the mirror with brand, last4, expiry and the default flag, oldest first', async () => {
    const org = await api.newOrg();
    await seedMirror(org, [
      card(org.id, 'pm_second', true, '2026-11-02T00:00:00.000Z'),
      card(org.id, 'pm_first', false, '2026-11-01T00:00:00.000Z'),
    ]);
    const res = await api.request('GET /v1/orgs/{org}/payment-methods', {
      token: org.tokens.owner,
      params: { org: org.id },
    });
    expect(res.body.data).toEqual([
      {
        id: 'pm_first',
        type: 'card',
        brand: 'visa',
        last4: '4242',
        exp_month: 12,
        exp_year: 2030,
        is_default: false,
        created_at: '2026-11-01T00:00:00.000Z',
      },
      {
        id: 'pm_second',
        type: 'card',
        brand: 'visa',
        last4: '4242',
        exp_month: 12,
        exp_year: 2030,
        is_default: true,
        created_at: '2026-11-02T00:00:00.000Z',
      },
    ]);
  });

  it("answers 404 for a method the org does not have (another org's card included)", async () => {
    const [org, other] = [await api.newOrg(), await api.newOrg()];
    await seedMirror(other, [card(other.id, 'pm_theirs', true, '2026-11-01T00:00:00.000Z')]);
    const setDefault = await api.request('POST /v1/orgs/{org}/payment-methods/{id}/default', {
      token: org.tokens.owner,
      params: { org: org.id, id: 'pm_theirs' },
    });
    expect([setDefault.status, setDefault.body.error.code]).toEqual([404, 'payment_method_not_found']);
    const remove = await api.request('DELETE /v1/orgs/{org}/payment-methods/{id}', {
      token: org.tokens.owner,
      params: { org: org.id, id: 'pm_theirs' },
    });
    expect([remove.status, remove.body.error.code]).toEqual([404, 'payment_method_not_found']);
  });

  it('refuses to remove the last method while a paid self-serve subscription is active', async () => {
    const org = await api.newOrg();
    await seedMirror(org, [card(org.id, 'pm_only', true, '2026-11-01T00:00:00.000Z')]);
    setDepsForTesting({ ...real, paidSubscriptions: { hasActivePaidSelfServe: async (id) => id === org.id } });
    const res = await api.request('DELETE /v1/orgs/{org}/payment-methods/{id}', {
      token: org.tokens.billing_admin,
      params: { org: org.id, id: 'pm_only' },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('last_payment_method');
  });

  it('answers 503 when Stripe cannot be reached, after the SDK retried', async () => {
    const org = await api.newOrg();
    // Nothing listens on port 9 (discard): a connection error, which the adapter maps to unavailable.
    setDepsForTesting(
      buildDeps({ ...real.config, stripeSecretKey: 'sk_test_unreachable', stripeApiUrl: 'http://127.0.0.1:9' }),
    );
    const res = await api.request('POST /v1/orgs/{org}/payment-methods/setup-intents', {
      token: org.tokens.owner,
      params: { org: org.id },
    });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('payment_gateway_unavailable');
  }, 30_000);
});
