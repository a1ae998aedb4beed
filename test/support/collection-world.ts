import type { CollectionDeps } from '../../functions/collection/app/collection-common';
import { enforceNonPayment } from '../../functions/collection/app/non-payment';
import type { ObservedCharge, ObservedInvoice } from '../../functions/collection/domain/collection';
import { DEFAULT_RETRY_DAYS } from '../../functions/collection/domain/collection';
import type { CollectionGateway, PayOutcome } from '../../functions/collection/ports';
import {
  type AdvanceDunningDeps,
  recordPaymentFailure,
  recordPaymentSuccess,
} from '../../functions/dunning/app/dunning';
import type { DunningStore } from '../../functions/dunning/ports';
import { INVOICE_SCHEMA_VERSION, type Invoice } from '../../functions/invoicing/domain/invoice';
import type { CollectionLedger, CollectionQueue, CollectionWrite } from '../../functions/invoicing/ports';
import type { AuditEntry } from '../../functions/kernel/audit';
import { type BillingStatus, initialBillingStatus } from '../../functions/kernel/billing-status';
import { conflict } from '../../functions/kernel/errors';
import type { NoticeRequest } from '../../functions/notices/ports';
import type { StripeEventEnvelope } from '../../functions/payments/ports';

/**
 * One org, one invoice, in memory, with the SAME conditions as the DynamoDB adapters (the invoice's
 * version, the billing status's version, the inbox's terminal status, notices once per cause) and a
 * model of Stripe implementing the CollectionGateway PORT: for fast property runs of the real
 * collection and dunning use cases. Every await yields, so concurrent runs really interleave.
 */
const tick = () => Promise.resolve();

export type Card = 'good' | 'bad';
export const ORG = 'org_world';
export const INVOICE = 'in_world_0001';
const AMOUNT = 6_200;

/** Stripe, as far as one invoice goes: statuses, one PaymentIntent's charges, the events it sends. */
export class StripeInvoiceModel implements CollectionGateway {
  card: Card = 'bad';
  status: ObservedInvoice['status'] = 'draft';
  exists = false;
  readonly lineIds: string[] = [];
  readonly charges: ObservedCharge[] = [];
  readonly events: StripeEventEnvelope[] = [];
  private readonly keys = new Map<string, unknown>();
  private seq = 0;

  constructor(private readonly now: () => Date) {}

  private emit(type: string) {
    const id = type.startsWith('payment_intent.') ? 'pi_world' : 'in_stripe_world';
    this.events.push({ id: `evt_${++this.seq}`, type, created: 0, data: { object: { id, object: 'x' } } });
  }

  /** Stripe's idempotency: the same key answers what it answered first (errors included). */
  private async once<T>(key: string, run: () => T): Promise<T> {
    await tick();
    if (this.keys.has(key)) return this.keys.get(key) as T;
    const result = run();
    this.keys.set(key, result);
    return result;
  }

  snapshot(): ObservedInvoice {
    const paid = this.status === 'paid';
    return {
      id: 'in_stripe_world',
      customerId: 'cus_world',
      status: this.status,
      currency: 'USD',
      totalMinor: this.lineIds.length > 0 ? AMOUNT : 0,
      amountDueMinor: this.lineIds.length > 0 ? AMOUNT : 0,
      amountPaidMinor: paid ? AMOUNT : 0,
      hostedInvoiceUrl: this.status === 'draft' ? null : 'https://invoice.example/world',
      invoicePdf: null,
      paidAt: paid ? this.charges.find((c) => c.status === 'succeeded')!.at : null,
      ourInvoiceId: INVOICE,
      ourOrgId: ORG,
      lineIds: [...this.lineIds],
      charges: this.charges.map((c) => ({ ...c })),
    };
  }

  async createInvoice(_input: unknown, key: string) {
    return this.once(key, () => {
      this.exists = true;
      this.emit('invoice.created');
      return this.snapshot();
    });
  }
  async addItem(_input: unknown, key: string) {
    await this.once(key, () => {
      this.lineIds.push(key);
    });
  }
  async finalize(_id: string, key: string) {
    return this.once(key, () => {
      if (this.status === 'draft') {
        this.status = 'open';
        this.emit('invoice.finalized');
      }
      return this.snapshot();
    });
  }
  /** A charge attempt with the card as it is now (Stripe's side: a retry, the hosted page, pay now). */
  attempt(card: Card = this.card): boolean {
    if (this.status !== 'open' && this.status !== 'uncollectible') return false;
    const ok = card === 'good';
    this.charges.push({
      id: `ch_${String(this.charges.length + 1).padStart(3, '0')}`,
      at: this.now().toISOString(),
      status: ok ? 'succeeded' : 'failed',
      amountMinor: AMOUNT,
      declineCode: ok ? null : 'card_declined',
      paymentMethodId: `pm_${card}`,
    });
    if (ok) {
      this.status = 'paid';
      this.emit('payment_intent.succeeded');
      this.emit('invoice.paid');
      this.emit('invoice.payment_succeeded');
    } else {
      this.emit('payment_intent.payment_failed');
      this.emit('invoice.payment_failed');
    }
    return ok;
  }
  async pay(_id: string, _pm: string | undefined, key: string): Promise<PayOutcome> {
    return this.once(key, (): PayOutcome => {
      if (this.status === 'paid') return { kind: 'not_attempted', reason: 'already_paid' };
      if (this.status !== 'open' && this.status !== 'uncollectible')
        return { kind: 'not_attempted', reason: 'not_payable' };
      return this.attempt()
        ? { kind: 'paid', invoice: this.snapshot() }
        : { kind: 'declined', declineCode: 'card_declined', message: 'declined', chargeId: this.charges.at(-1)!.id };
    });
  }
  markUncollectibleNow(): boolean {
    if (this.status !== 'open') return false;
    this.status = 'uncollectible';
    this.emit('invoice.marked_uncollectible');
    return true;
  }
  voidNow(): boolean {
    if (this.status !== 'open' && this.status !== 'uncollectible') return false;
    this.status = 'void';
    this.emit('invoice.voided');
    return true;
  }
  async markUncollectible(_id: string, key: string) {
    return this.once(key, () => {
      this.markUncollectibleNow();
      return this.snapshot();
    });
  }
  async retrieve() {
    await tick();
    return this.exists ? this.snapshot() : undefined;
  }
  async invoiceOfPaymentIntent() {
    await tick();
    return 'in_stripe_world';
  }
  async invoicesOfCustomer() {
    return this.exists ? [this.snapshot()] : [];
  }
}

/** Our side: the invoice (versioned, with its work list), the billing status, audits, notices, the inbox. */
export function collectionWorld(clock: { now(): Date }, options: { issuedAt?: string } = {}) {
  const stripe = new StripeInvoiceModel(() => clock.now());
  const issuedAt = options.issuedAt ?? clock.now().toISOString();
  let invoice: Invoice = {
    id: INVOICE,
    orgId: ORG,
    number: 'WORLD-0001',
    kind: 'period',
    status: 'open',
    currency: 'USD',
    period: { key: '2027-01', start: '2027-01-01T00:00:00.000Z', end: '2027-02-01T00:00:00.000Z' },
    billTo: { orgId: ORG, name: 'World', taxIds: [] },
    lines: [
      {
        id: `${INVOICE}_001`,
        kind: 'flat_fee',
        description: 'fee',
        periodKey: '2027-02',
        quantity: 1,
        preciseAmount: '4900',
        amountMinor: 4_900,
      },
      {
        id: `${INVOICE}_002`,
        kind: 'usage',
        description: 'usage',
        periodKey: '2027-01',
        quantity: 13_000,
        preciseAmount: '1300',
        amountMinor: 1_300,
      },
    ],
    subtotalMinor: AMOUNT,
    creditsAppliedMinor: 0,
    totalMinor: AMOUNT,
    amountDueMinor: AMOUNT,
    creditCarriedMinor: 0,
    createdAt: issuedAt,
    issuedAt,
    dueAt: issuedAt,
    adjustmentIds: [],
    collectionMethod: 'charge_automatically',
    daysUntilDue: null,
    schemaVersion: INVOICE_SCHEMA_VERSION,
  };
  let version = 1;
  let queue: { name: CollectionQueue; at: string } | null = { name: 'collect', at: issuedAt };
  let status: BillingStatus = initialBillingStatus(ORG, issuedAt);
  let due: string | null = null;
  const audits: AuditEntry[] = [];
  const notices = new Map<string, NoticeRequest>();
  const inbox = new Map<string, string>();
  const statusHistory: string[] = ['open'];

  const ledger: CollectionLedger = {
    async get(orgId, invoiceId) {
      await tick();
      return orgId === ORG && invoiceId === INVOICE ? { invoice: structuredClone(invoice), version } : undefined;
    },
    async due(name, upTo) {
      await tick();
      return {
        due:
          queue && queue.name === name && queue.at <= upTo.toISOString()
            ? [{ orgId: ORG, invoiceId: INVOICE, at: queue.at }]
            : [],
      };
    },
    async inStatus(_org, s) {
      await tick();
      return invoice.status === s ? [structuredClone(invoice)] : [];
    },
    async page() {
      return { data: [structuredClone(invoice)], nextCursor: null };
    },
    async update(write: CollectionWrite) {
      await tick();
      if (write.expectedVersion !== version) return 'conflict';
      for (const part of write.parts) {
        const eventId = (part.dynamodb as { eventId: string }).eventId;
        if (inbox.has(eventId)) return 'part_failed';
      }
      for (const part of write.parts) inbox.set((part.dynamodb as { eventId: string }).eventId, 'handled');
      invoice = structuredClone(write.next);
      version += 1;
      queue = write.queue;
      audits.push(...write.audits);
      if (statusHistory.at(-1) !== invoice.status) statusHistory.push(invoice.status);
      return 'applied';
    },
  };

  const dunningStore: DunningStore = {
    async dueOrgs(nowIso) {
      await tick();
      return due !== null && due <= nowIso ? [ORG] : [];
    },
    async dueOrgsPage(nowIso) {
      await tick();
      return { orgIds: due !== null && due <= nowIso ? [ORG] : [], cursor: undefined };
    },
    async apply(next, expectedVersion, deadline, audit) {
      await tick();
      if (status.version !== expectedVersion) throw conflict('conflict', 'billing status changed');
      status = next;
      due = deadline;
      audits.push(audit);
    },
    async settleDue(_org, v) {
      await tick();
      if (status.version === v) due = null;
    },
  };
  let ids = 0;
  const outbox = {
    async enqueue(n: NoticeRequest) {
      await tick();
      if (notices.has(n.cause)) return false;
      notices.set(n.cause, n);
      return true;
    },
  };
  const base = { clock, ids: { next: (p?: string) => `${p ?? 'id'}_${++ids}` } };
  const dunningDeps = {
    ...base,
    billingStatus: { get: async () => structuredClone(status) },
    dunning: dunningStore,
    notices: outbox,
  };
  const canceled: string[] = [];
  const deps: CollectionDeps & AdvanceDunningDeps = {
    ...dunningDeps,
    ledger,
    gateway: stripe,
    customers: { customerOf: async () => 'cus_world', ensureCustomer: async () => 'cus_world' },
    orgPaymentMethods: { list: async () => [] },
    standing: {
      paymentFailed: (orgId, ctx, at) => recordPaymentFailure(dunningDeps, ctx, orgId, at),
      paymentSucceeded: (orgId, ctx, at) => recordPaymentSuccess(dunningDeps, ctx, orgId, at),
    },
    retryDays: DEFAULT_RETRY_DAYS,
    nonPayment: {
      canceledForNonPayment: async (orgId, ctx) => {
        await enforceNonPayment(
          {
            ...base,
            ledger,
            retryDays: DEFAULT_RETRY_DAYS,
            subscriptions: {
              cancelForNonPayment: async () => {
                canceled.push(orgId);
                return canceled.length === 1 ? 'canceled' : 'not_active';
              },
            },
          },
          ctx,
          orgId,
        );
      },
    },
  };

  /** The hand-off inbox of one event, as the payments reconciler gives it. */
  const handOff = (eventId: string) => ({
    part: () => ({ dynamodb: { eventId } }),
    finish: async (o: { status: string }) => {
      await tick();
      if (inbox.has(eventId)) return false;
      inbox.set(eventId, o.status);
      return true;
    },
  });

  return {
    deps,
    stripe,
    handOff,
    view: () => ({ invoice, version, queue, status, due, audits, notices, inbox, statusHistory, canceled }),
  };
}
