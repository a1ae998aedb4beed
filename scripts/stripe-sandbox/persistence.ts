import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type Stripe from 'stripe';
import type { SandboxClock } from './clock';
import type { Collection, Store } from './store';

/** An answer kept under its Idempotency-Key, replayed for the same parameters. */
export interface StoredResponse {
  fingerprint: string;
  status: number;
  body: unknown;
  requestId: string;
}

/**
 * The state file: the store's collections as arrays in creation order, plus the idempotency records
 * and the clock's offset. Ids are random (no counters). Webhook deliveries are not kept: events are,
 * but one still undelivered at shutdown is not sent again after a restart (`control.redeliver` can).
 */
export interface SandboxState {
  version: 1;
  savedAt: string;
  clockOffsetMs: number;
  customers: Stripe.Customer[];
  deletedCustomers: string[];
  setupIntents: Stripe.SetupIntent[];
  paymentMethods: Stripe.PaymentMethod[];
  paymentMethodTemplates: [string, string][];
  paymentIntents: Stripe.PaymentIntent[];
  charges: Stripe.Charge[];
  disputes: Stripe.Dispute[];
  invoices: Stripe.Invoice[];
  invoiceItems: Stripe.InvoiceItem[];
  /** Absent in files written before invoice payments existed (read as empty). */
  invoicePayments?: Stripe.InvoicePayment[];
  daysUntilDue?: [string, number][];
  lineIds: [string, string][];
  events: Stripe.Event[];
  idempotency: [string, StoredResponse][];
}

const COLLECTIONS = [
  'customers',
  'setupIntents',
  'paymentMethods',
  'paymentIntents',
  'charges',
  'disputes',
  'invoices',
  'invoiceItems',
  'events',
] as const;
const PAIRS = ['deletedCustomers', 'paymentMethodTemplates', 'lineIds', 'idempotency'] as const;
/** Kinds added after the first state files: optional on read, so an older file still loads. */
const LATER_COLLECTIONS = ['invoicePayments'] as const;

export function captureState(
  store: Store,
  idempotency: ReadonlyMap<string, StoredResponse>,
  clock: SandboxClock,
): SandboxState {
  return {
    version: 1,
    savedAt: new Date().toISOString(),
    clockOffsetMs: clock.offset,
    customers: store.customers.all(),
    deletedCustomers: [...store.deletedCustomers],
    setupIntents: store.setupIntents.all(),
    paymentMethods: store.paymentMethods.all(),
    paymentMethodTemplates: [...store.paymentMethodTemplates],
    paymentIntents: store.paymentIntents.all(),
    charges: store.charges.all(),
    disputes: store.disputes.all(),
    invoices: store.invoices.all(),
    invoiceItems: store.invoiceItems.all(),
    invoicePayments: store.invoicePayments.all(),
    daysUntilDue: [...store.daysUntilDue],
    lineIds: [...store.lineIds],
    events: store.events.all(),
    idempotency: [...idempotency],
  };
}

/** Reads a state file; undefined when there is none. A file that cannot be used is an error, not a reset. */
export function readStateFile(file: string): SandboxState | undefined {
  if (!existsSync(file)) return undefined;
  const fail = (why: string): never => {
    throw new Error(
      `the Stripe sandbox state file ${file} is unusable (${why}): delete it to start from an empty account`,
    );
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return fail(`not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return fail('not a JSON object');
  const state = parsed as Record<string, unknown>;
  if (state.version !== 1) return fail(`unknown version ${JSON.stringify(state.version)}, expected 1`);
  for (const key of [...COLLECTIONS, ...PAIRS]) {
    if (!Array.isArray(state[key])) return fail(`"${key}" is not an array`);
  }
  for (const key of COLLECTIONS) {
    if (
      !(state[key] as unknown[]).every(
        (x) => x !== null && typeof x === 'object' && typeof (x as { id?: unknown }).id === 'string',
      )
    ) {
      return fail(`"${key}" holds an object without an id`);
    }
  }
  for (const key of [...LATER_COLLECTIONS, 'daysUntilDue']) {
    if (state[key] !== undefined && !Array.isArray(state[key])) return fail(`"${key}" is not an array`);
  }
  if (typeof state.clockOffsetMs !== 'number') return fail('"clockOffsetMs" is not a number');
  return parsed as SandboxState;
}

export function restoreState(
  state: SandboxState,
  store: Store,
  idempotency: Map<string, StoredResponse>,
  clock: SandboxClock,
): void {
  for (const key of COLLECTIONS) {
    const collection = store[key] as unknown as Collection<{ id: string }>;
    for (const item of state[key]) collection.insert(item);
  }
  for (const key of LATER_COLLECTIONS) {
    const collection = store[key] as unknown as Collection<{ id: string }>;
    for (const item of state[key] ?? []) collection.insert(item);
  }
  for (const [k, v] of state.daysUntilDue ?? []) store.daysUntilDue.set(k, v);
  for (const id of state.deletedCustomers) store.deletedCustomers.add(id);
  for (const [k, v] of state.paymentMethodTemplates) store.paymentMethodTemplates.set(k, v);
  for (const [k, v] of state.lineIds) store.lineIds.set(k, v);
  for (const [k, v] of state.idempotency) idempotency.set(k, v);
  clock.restoreOffset(state.clockOffsetMs);
}

/**
 * Saves the state after changes: `changed()` marks it dirty and schedules one write `delayMs` later, so a
 * burst of requests costs one write. Each write goes to a temporary file renamed over the state file
 * (a crash mid-write leaves the previous state whole). `flush()` writes what is pending, now.
 */
export class StateWriter {
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly file: string,
    private readonly capture: () => SandboxState,
    private readonly log?: (line: string) => void,
    private readonly delayMs = 50,
  ) {}

  changed(): void {
    this.dirty = true;
    if (this.timer || this.writing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, this.delayMs);
    this.timer.unref();
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.writing) await this.writing;
    if (this.dirty) await this.write();
  }

  private write(): Promise<void> {
    this.writing ??= (async () => {
      while (this.dirty) {
        this.dirty = false;
        const text = `${JSON.stringify(this.capture())}\n`;
        const temp = `${this.file}.${process.pid}.tmp`;
        try {
          await mkdir(dirname(this.file), { recursive: true });
          await writeFile(temp, text, { mode: 0o600 });
          await rename(temp, this.file);
        } catch (error) {
          this.log?.(`could not save ${this.file}: ${error instanceof Error ? error.message : String(error)}`);
          await rm(temp, { force: true });
        }
      }
    })().finally(() => {
      this.writing = undefined;
      if (this.dirty) this.changed();
    });
    return this.writing;
  }
}
