import type Stripe from 'stripe';
import { invalidRequest, noSuch } from './errors';
import type { Params } from './params';

/** One kind of object, in creation order (lists answer newest first, as Stripe does). */
export class Collection<T extends { id: string }> {
  private readonly items = new Map<string, T>();

  constructor(
    /** How Stripe names the kind in "No such …" errors. */
    readonly label: string,
  ) {}

  insert(item: T): T {
    this.items.set(item.id, item);
    return item;
  }

  get(id: string): T | undefined {
    return this.items.get(id);
  }

  require(id: string, param = 'id'): T {
    const item = this.items.get(id);
    if (!item) throw noSuch(this.label, id, param);
    return item;
  }

  /** Oldest first: creation order (what the state file keeps). */
  all(): T[] {
    return [...this.items.values()];
  }

  /** Newest first (Map keeps insertion order; created is only second-precise). */
  newestFirst(): T[] {
    return [...this.items.values()].reverse();
  }

  delete(id: string): void {
    this.items.delete(id);
  }
}

/** The sandbox's whole state: one Stripe account in test mode. */
export class Store {
  readonly customers = new Collection<Stripe.Customer>('customer');
  /** Deleted customers answer `{ id, object, deleted: true }` on retrieve, as Stripe does. */
  readonly deletedCustomers = new Set<string>();
  readonly setupIntents = new Collection<Stripe.SetupIntent>('setupintent');
  readonly paymentMethods = new Collection<Stripe.PaymentMethod>('PaymentMethod');
  /** Which test card (`pm_card_visa`, …) each concrete payment method came from: decides its charges. */
  readonly paymentMethodTemplates = new Map<string, string>();
  readonly paymentIntents = new Collection<Stripe.PaymentIntent>('payment_intent');
  readonly charges = new Collection<Stripe.Charge>('charge');
  readonly disputes = new Collection<Stripe.Dispute>('dispute');
  readonly invoices = new Collection<Stripe.Invoice>('invoice');
  readonly invoiceItems = new Collection<Stripe.InvoiceItem>('invoiceitem');
  /** The payments of invoices (one default PaymentIntent per invoice, confirmed again on each attempt). */
  readonly invoicePayments = new Collection<Stripe.InvoicePayment>('invoice_payment');
  /**
   * `days_until_due` of send_invoice invoices: Stripe dates `due_date` from the finalization, and the
   * Invoice object has no field for it, so it waits here until then.
   */
  readonly daysUntilDue = new Map<string, number>();
  /** The `il_…` id of each item's line, stable while the draft changes. */
  readonly lineIds = new Map<string, string>();
  readonly events = new Collection<Stripe.Event>('event');

  /** Any object by id, for `expand[]` (Stripe ids name their kind by prefix). */
  byId(id: string): { id: string } | undefined {
    const prefix = id.slice(0, id.indexOf('_'));
    const collection: Collection<{ id: string }> | undefined = (
      {
        cus: this.customers,
        seti: this.setupIntents,
        pm: this.paymentMethods,
        pi: this.paymentIntents,
        ch: this.charges,
        dp: this.disputes,
        in: this.invoices,
        ii: this.invoiceItems,
        inpay: this.invoicePayments,
        evt: this.events,
      } as Record<string, Collection<{ id: string }>>
    )[prefix];
    return collection?.get(id);
  }
}

export interface ListObject<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

/**
 * Stripe's cursor pagination: `limit` (1–100, default 10), `starting_after` (the page after that id)
 * or `ending_before` (the page before it). Items come newest first.
 */
export function paginate<T extends { id: string }>(items: T[], params: Params, url: string): ListObject<T> {
  const limit = params.integer('limit') ?? 10;
  if (limit < 1 || limit > 100) throw invalidRequest('Invalid integer: limit must be between 1 and 100', 'limit');
  const after = params.string('starting_after');
  const before = params.string('ending_before');
  if (after && before)
    throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.');
  let start = 0;
  let end = items.length;
  if (after) {
    const i = items.findIndex((x) => x.id === after);
    if (i < 0) throw invalidRequest(`Invalid starting_after id: ${after}`, 'starting_after', 'resource_missing');
    start = i + 1;
  } else if (before) {
    const i = items.findIndex((x) => x.id === before);
    if (i < 0) throw invalidRequest(`Invalid ending_before id: ${before}`, 'ending_before', 'resource_missing');
    end = i;
    start = Math.max(0, end - limit);
    return { object: 'list', data: items.slice(start, end), has_more: start > 0, url };
  }
  const data = items.slice(start, start + limit);
  return { object: 'list', data, has_more: start + limit < end, url };
}

/** A deep copy, so a response or an event payload never changes after the fact. */
export const snapshot = <T>(value: T): T => structuredClone(value);

/**
 * `expand[]`: replaces id references by the objects they name, on a copy. Paths are dotted
 * (`latest_charge`, `charge.customer`); on a list, paths start with `data.` as in Stripe.
 */
export function expand(store: Store, value: unknown, paths: string[] | undefined): unknown {
  if (!paths || paths.length === 0) return value;
  const copy = snapshot(value);
  for (const path of paths) expandPath(store, copy, path.split('.'), path);
  return copy;
}

function expandPath(store: Store, target: unknown, segments: string[], full: string): void {
  if (target == null || typeof target !== 'object') return;
  if (Array.isArray(target)) {
    for (const item of target) expandPath(store, item, segments, full);
    return;
  }
  const record = target as Record<string, unknown>;
  const [head, ...rest] = segments as [string, ...string[]];
  if (!(head in record)) {
    throw invalidRequest(`This property cannot be expanded (${full}).`, 'expand');
  }
  const current = record[head];
  if (typeof current === 'string') {
    const found = store.byId(current);
    if (!found) throw invalidRequest(`This property cannot be expanded (${full}).`, 'expand');
    record[head] = snapshot(found);
  }
  if (rest.length > 0) expandPath(store, record[head], rest, full);
}
