import type { AuditEntry } from '../kernel/audit';
import type { Currency } from '../kernel/money';
import type { Page, TransactionPart } from '../kernel/ports';
import type { BilledPeriod } from './domain/billed';
import type { CommitmentRecord } from './domain/commitments';
import type { Invoice, InvoiceStatus } from './domain/invoice';

export type {
  CollectionMethod,
  Invoice,
  InvoiceCollection,
  InvoiceStatus,
  PaymentAttempt,
  PaymentOutcome,
  StripeInvoiceLink,
} from './domain/invoice';

import type { BillingSettings } from './domain/settings';

/**
 * Ports of the invoicing capability. Invoicing reads usage (rated per period, through the usage
 * capability), the terms timeline and the pending adjustment lines (subscriptions), the billing calendar
 * (orgs), and enqueues notices (notices): each through that capability's port, wired in compose.ts.
 */

/** The per-org invoicing record: the number sequence, the prefix once fixed, the credit balance. */
export interface InvoicingAccount {
  readonly orgId: string;
  /** Fixed by the first numbered invoice; undefined until then. */
  readonly prefix?: string;
  /** The sequence number the next finalized invoice gets (1 for the first). */
  readonly nextSequence: number;
  /** Credit carried from negative invoices, per currency (never negative). */
  readonly creditBalances: Readonly<Partial<Record<Currency, number>>>;
  /** 0 for an org nothing has been finalized for yet. */
  readonly version: number;
}

export interface CreditMovement {
  readonly orgId: string;
  readonly invoiceId: string;
  readonly currency: Currency;
  /** Negative: credit used on the invoice; positive: a negative total carried to the balance. */
  readonly deltaMinor: number;
  readonly balanceAfterMinor: number;
  readonly at: string;
}

export interface InvoiceListOptions {
  readonly limit: number;
  readonly cursor?: string;
  readonly status?: Exclude<InvoiceStatus, 'preview'>;
  /** Invoice dates (the id's time: a period invoice's period end, a threshold invoice's crossing) in [from, to). */
  readonly from?: Date;
  readonly to?: Date;
}

/**
 * Finalizing invoices is one transaction: the invoices (numbered, open), the account (sequence, credit
 * balance; conditional on its version), the billed records of every period they bill (conditional on
 * their versions), the credit movements, the other capabilities' parts (the adjustments billed) and the
 * audit entries. `conflict` when anything moved since it was read: the caller reloads and plans again.
 */
export interface FinalizeWrite {
  readonly invoices: readonly Invoice[];
  readonly account: { readonly next: InvoicingAccount; readonly expectedVersion: number };
  readonly billed: readonly BilledPeriod[];
  /** Contract-year commitment records moved forward (conditional on their versions). */
  readonly commitments?: readonly CommitmentRecord[];
  readonly creditMovements: readonly CreditMovement[];
  /** A prefix to claim for the org (the first numbered invoice), unique across orgs. */
  readonly claimPrefix?: string;
  readonly parts: readonly TransactionPart[];
  readonly audits: readonly AuditEntry[];
}

export interface InvoiceStore {
  get(orgId: string, invoiceId: string): Promise<Invoice | undefined>;
  /** Newest first, a page at a time; constant cost per page whatever the number of invoices. */
  list(orgId: string, options: InvoiceListOptions): Promise<Page<Invoice>>;
  /** Writes or refreshes a draft; never overwrites a finalized invoice (returns false then). */
  saveDraft(invoice: Invoice): Promise<boolean>;
  finalize(write: FinalizeWrite): Promise<void>;
  account(orgId: string): Promise<InvoicingAccount>;
  /** The billed records of these periods (empty records, version 0, for periods nothing was billed for). */
  billed(orgId: string, periodKeys: readonly string[]): Promise<Map<string, BilledPeriod>>;
  /** The commitment records of these contract years (empty ones, version 0, for years not billed yet). */
  commitments(
    orgId: string,
    years: readonly { contractId: string; year: number }[],
  ): Promise<Map<string, CommitmentRecord>>;
  /** Records a period closed with nothing to bill (so later late usage for it is billed). */
  markPeriodClosed(record: BilledPeriod, expectedVersion: number): Promise<void>;
  /** Whether `prefix` is free or already the org's. */
  prefixAvailable(prefix: string, orgId: string): Promise<boolean>;
}

export interface BillingSettingsStore {
  get(orgId: string): Promise<BillingSettings | undefined>;
  /** Replaces the settings if still at `expectedVersion` (0: none yet); claims a chosen prefix. */
  replace(next: BillingSettings, expectedVersion: number, audit: AuditEntry): Promise<void>;
}

/** Renders an invoice as a PDF document (pdf-lib, loaded on first use). */
export interface InvoicePdfRenderer {
  render(invoice: Invoice): Promise<Uint8Array>;
}

/** A prepaid contract year to invoice at its start (the contracts capability asks). */
export interface CommitmentToInvoice {
  readonly contractId: string;
  readonly contractName: string;
  readonly year: number;
  readonly start: string;
  readonly end: string;
  readonly currency: import('../kernel/money').Currency;
  readonly committedMinor: number;
  readonly netDays: number;
}

/** The collection work lists an invoice can wait on (see keys.collectionDue). */
export type CollectionQueue = 'collect' | 'retry' | 'overdue';

export interface CollectionDue {
  readonly orgId: string;
  readonly invoiceId: string;
  /** When it became due (ISO). */
  readonly at: string;
}

/**
 * One change of an invoice's collection: the document replaced (status and collection fields; lines
 * and amounts never change after issue), conditional on the version read, the status index moved, the
 * invoice put on its next work list (or taken off them all), the audit entries and other capabilities'
 * parts (the Stripe event's inbox record) in the same transaction.
 */
export interface CollectionWrite {
  readonly next: Invoice;
  readonly expectedVersion: number;
  readonly queue: { readonly name: CollectionQueue; readonly at: string } | null;
  readonly audits: readonly AuditEntry[];
  readonly parts: readonly TransactionPart[];
}

/**
 * The invoices as the collection capability works them: the document with its version, the work lists,
 * the org's open invoices, a page of all of them (the drift report) and the conditional update.
 * `update` answers `conflict` when the invoice moved since it was read, `part_failed` when another
 * capability's part refused (an event already handled).
 */
export interface CollectionLedger {
  get(orgId: string, invoiceId: string): Promise<{ invoice: Invoice; version: number } | undefined>;
  due(
    queue: CollectionQueue,
    upTo: Date,
    limit: number,
    cursor?: string,
  ): Promise<{ due: CollectionDue[]; cursor?: string }>;
  /** Every invoice of the org in `status` (few are ever open at once). */
  inStatus(orgId: string, status: Exclude<InvoiceStatus, 'preview'>): Promise<Invoice[]>;
  /** The org's invoices, newest first, a page at a time. */
  page(orgId: string, limit: number, cursor?: string): Promise<Page<Invoice>>;
  update(write: CollectionWrite): Promise<'applied' | 'conflict' | 'part_failed'>;
}
