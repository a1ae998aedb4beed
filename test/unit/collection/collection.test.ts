import {
  type Collected,
  emptyCollected,
  mergeObservation,
  nextRetryAt,
  type ObservedInvoice,
  queueFor,
} from '../../../functions/collection/domain/collection';
import { compareWithStripe, type LedgerInvoice } from '../../../functions/collection/domain/drift';

const T = '2027-01-01T00:00:00.000Z';
const observed = (over: Partial<ObservedInvoice> = {}): ObservedInvoice => ({
  id: 'in_s',
  customerId: 'cus',
  status: 'open',
  currency: 'USD',
  totalMinor: 1_000,
  amountDueMinor: 1_000,
  amountPaidMinor: 0,
  hostedInvoiceUrl: 'https://pay',
  invoicePdf: null,
  paidAt: null,
  ourInvoiceId: 'in_ours',
  ourOrgId: 'org',
  lineIds: [],
  charges: [],
  ...over,
});
const charge = (id: string, status: 'failed' | 'succeeded', at = T) => ({
  id,
  at,
  status,
  amountMinor: 1_000,
  declineCode: status === 'failed' ? 'insufficient_funds' : null,
  paymentMethodId: 'pm_1',
});

describe('merging what Stripe observed', () => {
  it('records each charge once, and a 3-D Secure decline as requires_action', () => {
    const first = mergeObservation(
      { status: 'open', collected: emptyCollected() },
      observed({ charges: [charge('ch_1', 'failed')] }),
      T,
    );
    expect(first.newAttempts.map((a) => a.id)).toEqual(['ch_1']);
    const again = mergeObservation(
      { status: first.status, collected: first.collected },
      observed({ charges: [charge('ch_1', 'failed')] }),
      T,
    );
    expect(again.changed).toBe(false);
    const secure = mergeObservation(
      { status: 'open', collected: emptyCollected() },
      observed({ charges: [{ ...charge('ch_2', 'failed'), declineCode: 'authentication_required' }] }),
      T,
    );
    expect(secure.newAttempts[0]!.outcome).toBe('requires_action');
  });

  it('never moves a paid or void invoice, and keeps a newer link over an older observation', () => {
    const paid = mergeObservation(
      { status: 'open', collected: emptyCollected() },
      observed({ status: 'paid' }),
      '2027-01-02T00:00:00.000Z',
    );
    expect(paid.status).toBe('paid');
    const late = mergeObservation({ status: 'paid', collected: paid.collected }, observed({ status: 'open' }), T);
    expect(late.status).toBe('paid');
    expect(late.collected.stripe!.observedAt).toBe('2027-01-02T00:00:00.000Z');
    expect(
      mergeObservation({ status: 'void', collected: emptyCollected() }, observed({ status: 'paid' }), T).status,
    ).toBe('void');
    expect(
      mergeObservation({ status: 'uncollectible', collected: emptyCollected() }, observed({ status: 'open' }), T)
        .status,
    ).toBe('uncollectible');
  });
});

describe('where an invoice waits', () => {
  const base = {
    status: 'open' as const,
    amountDueMinor: 1_000,
    collectionMethod: 'charge_automatically' as const,
    dueAt: T,
    issuedAt: T,
  };
  const link = {
    invoiceId: 'in_s',
    status: 'open',
    hostedInvoiceUrl: null,
    invoicePdf: null,
    amountPaidMinor: 0,
    observedAt: T,
  };
  const failedOnce: Collected = {
    ...emptyCollected(),
    stripe: link,
    attempts: [{ id: 'ch_1', at: T, outcome: 'failed', amountMinor: 1_000, declineCode: 'x', paymentMethodId: null }],
    firstFailedAt: T,
  };

  it('is collected until mirrored and charged, then retried on day 1, 3, 5 and 7, then waits for the customer', () => {
    expect(queueFor({ ...base, collected: emptyCollected() }, T)).toEqual({ name: 'collect', at: T });
    expect(queueFor({ ...base, collected: failedOnce }, T)).toEqual({ name: 'retry', at: '2027-01-02T00:00:00.000Z' });
    expect(nextRetryAt({ firstFailedAt: T, retries: 3 }, [1, 3, 5, 7])).toBe('2027-01-08T00:00:00.000Z');
    expect(queueFor({ ...base, collected: { ...failedOnce, retries: 4 } }, T)).toBeNull();
  });

  it('waits for its due date on net terms, and is never collected with nothing to pay', () => {
    const due = '2027-01-31T00:00:00.000Z';
    const net = { ...base, collectionMethod: 'send_invoice' as const, dueAt: due };
    expect(queueFor({ ...net, collected: { ...emptyCollected(), stripe: link } }, T)).toEqual({
      name: 'overdue',
      at: due,
    });
    expect(queueFor({ ...net, collected: { ...emptyCollected(), stripe: link, dunningStartedAt: due } }, T)).toBeNull();
    expect(queueFor({ ...base, amountDueMinor: 0, collected: emptyCollected() }, T)).toBeNull();
    expect(queueFor({ ...base, status: 'uncollectible', collected: { ...emptyCollected(), stripe: link } }, T)).toEqual(
      {
        name: 'collect',
        at: T,
      },
    );
  });
});

describe('the drift report', () => {
  const ours: LedgerInvoice = {
    id: 'in_ours',
    status: 'paid',
    amountDueMinor: 1_000,
    issuedAt: T,
    stripeInvoiceId: 'in_s',
    attempts: [
      { id: 'ch_1', at: T, outcome: 'succeeded', amountMinor: 1_000, declineCode: null, paymentMethodId: null },
    ],
  };
  const now = new Date('2027-01-02T00:00:00.000Z');
  const paidAtStripe = observed({ status: 'paid', amountPaidMinor: 1_000, charges: [charge('ch_1', 'succeeded')] });

  it('is empty when Stripe agrees, and names every difference when it does not', () => {
    expect(compareWithStripe('org', [ours], [paidAtStripe], now).differences).toEqual([]);
    const differing = observed({ status: 'open', totalMinor: 900, charges: [charge('ch_9', 'failed')] });
    expect(compareWithStripe('org', [ours], [differing], now).differences.map((d) => d.kind)).toEqual([
      'status',
      'total',
      'amount_paid',
      'attempt_missing_in_ledger',
      'attempt_missing_at_stripe',
    ]);
  });

  it('lists invoices missing on either side, but not one just issued', () => {
    const unknown = observed({ id: 'in_x', ourInvoiceId: 'in_other' });
    const report = compareWithStripe('org', [{ ...ours, stripeInvoiceId: null }], [unknown], now);
    expect(report.differences.map((d) => [d.kind, d.invoiceId])).toEqual([
      ['missing_at_stripe', 'in_ours'],
      ['missing_in_ledger', 'in_other'],
    ]);
    const fresh = { ...ours, issuedAt: '2027-01-01T23:30:00.000Z', stripeInvoiceId: null };
    expect(compareWithStripe('org', [fresh], [], now).differences).toEqual([]);
  });
});
