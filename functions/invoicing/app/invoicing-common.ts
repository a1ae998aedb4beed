import { type Actor, systemActor } from '../../kernel/audit';
import { auditEntry } from '../../kernel/audit-entry';
import type { Clock } from '../../kernel/clock';
import { isAppError } from '../../kernel/errors';
import { formatMajor } from '../../kernel/money';
import type { IdGenerator, TransactionPart } from '../../kernel/ports';
import type { NoticeOutbox } from '../../notices/ports';
import type { BillingCalendar, OrgReader } from '../../orgs/ports';
import type { AdjustmentLedger, PendingAdjustment, TermsReader } from '../../subscriptions/ports';
import type { PeriodUsageRater } from '../../usage/ports';
import type { BilledPeriod } from '../domain/billed';
import type { Invoice } from '../domain/invoice';
import { defaultInvoicePrefix, formatInvoiceNumber } from '../domain/numbering';
import type { BillableAdjustment } from '../domain/plan';
import { type BillingSettings, defaultSettings } from '../domain/settings';
import type { BillingSettingsStore, CreditMovement, InvoiceStore, InvoicingAccount } from '../ports';

/** What the invoicing use cases need; each takes only the parts it uses. */
export interface InvoicingDeps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly orgs: OrgReader;
  readonly calendar: BillingCalendar;
  readonly terms: TermsReader;
  readonly adjustments: AdjustmentLedger;
  readonly usageRating: PeriodUsageRater;
  readonly invoices: InvoiceStore;
  readonly settings: BillingSettingsStore;
  readonly notices: NoticeOutbox;
  /** How long after a period ends its invoice waits for late events (drafts meanwhile). */
  readonly lateGraceMs: number;
}

export const INVOICING_ACTOR: Actor = systemActor('invoicing');

export const settingsOf = async (deps: Pick<InvoicingDeps, 'settings'>, orgId: string): Promise<BillingSettings> =>
  (await deps.settings.get(orgId)) ?? defaultSettings(orgId);

export const toBillable = (a: PendingAdjustment): BillableAdjustment => ({
  id: a.id,
  kind: a.kind,
  description: a.description,
  periodKey: a.periodKey,
  currency: a.currency,
  planId: a.planId,
  fullAmountMinor: a.fullAmountMinor,
  preciseAmountMinor: a.preciseAmountMinor,
  amountMinor: a.amountMinor,
});

/** How often a finalization is planned again after losing a race (another run numbered first). */
const FINALIZE_ATTEMPTS = 60;

/**
 * Runs `attempt` (load → plan → finalize) until it commits, re-planning after a conflict: a concurrent
 * finalization of the same org (a threshold invoice, a second close run) moved the sequence or a billed
 * record. Jittered, growing pauses, so 50 racers still all get their number in well under a second each.
 */
export async function retryOnConflict<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(isAppError(error) && error.code === 'conflict') || n >= FINALIZE_ATTEMPTS) throw error;
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * n)));
    }
  }
}

/**
 * Everything a finalization writes besides the plan's own records: numbers from the org's sequence
 * (the prefix claimed with the first one), the account after it, credit movements, the adjustments'
 * marks and the audit entries. Pure but for `prefixAvailable`, which picks a free default prefix.
 */
export async function numberAndRecord(
  deps: Pick<InvoicingDeps, 'clock' | 'ids' | 'invoices' | 'adjustments'>,
  input: {
    readonly orgId: string;
    readonly invoices: readonly Invoice[];
    readonly account: InvoicingAccount;
    readonly settings: BillingSettings;
    readonly creditBalances: InvoicingAccount['creditBalances'];
    readonly adjustments: readonly PendingAdjustment[];
    readonly action: string;
    readonly now: Date;
  },
) {
  const { account, orgId, now } = input;
  let prefix = account.prefix;
  let claimPrefix: string | undefined;
  if (!prefix) {
    prefix = input.settings.invoicePrefix ?? defaultInvoicePrefix(orgId);
    // A derived prefix that another org already holds (vanishingly rare) gets a longer hash.
    if (!input.settings.invoicePrefix && !(await deps.invoices.prefixAvailable(prefix, orgId))) {
      prefix = `${prefix.slice(0, 6)}${defaultInvoicePrefix(`${orgId}#2`).slice(-6)}`.slice(0, 12);
    }
    claimPrefix = prefix;
  }
  const at = now.toISOString();
  const invoices = input.invoices.map((invoice, i) => ({
    ...invoice,
    number: formatInvoiceNumber(prefix!, account.nextSequence + i),
  }));
  const creditMovements: CreditMovement[] = [];
  const parts: TransactionPart[] = [];
  const ctx = { actor: INVOICING_ACTOR };
  const audits = invoices.map((invoice) =>
    auditEntry(deps, ctx, {
      orgId,
      action: input.action,
      target: { type: 'invoice', id: invoice.id },
      before: null,
      after: {
        number: invoice.number,
        kind: invoice.kind,
        period: invoice.period.key,
        currency: invoice.currency,
        totalMinor: invoice.totalMinor,
        lines: invoice.lines.length,
      },
    }),
  );
  for (const invoice of invoices) {
    const delta = invoice.creditCarriedMinor - invoice.creditsAppliedMinor;
    if (delta !== 0) {
      creditMovements.push({
        orgId,
        invoiceId: invoice.id,
        currency: invoice.currency,
        deltaMinor: delta,
        balanceAfterMinor: input.creditBalances[invoice.currency] ?? 0,
        at,
      });
    }
    const billed = input.adjustments.filter((a) => invoice.adjustmentIds.includes(a.id));
    if (billed.length > 0) parts.push(...deps.adjustments.markInvoiced(billed, invoice.id, at));
  }
  const next: InvoicingAccount = {
    orgId,
    prefix,
    nextSequence: account.nextSequence + invoices.length,
    creditBalances: input.creditBalances,
    version: account.version + 1,
  };
  return { invoices, account: { next, expectedVersion: account.version }, claimPrefix, creditMovements, parts, audits };
}

/** A billed record moved to its next version (the finalization's condition is on the one read). */
export const bumped = (record: BilledPeriod): BilledPeriod => ({ ...record, version: record.version + 1 });

/** "Invoice issued" to the contacts who want invoice notices: once per invoice (the outbox dedups by cause). */
export async function noticeIssued(deps: Pick<InvoicingDeps, 'notices'>, invoice: Invoice): Promise<void> {
  const total = `${formatMajor({ amountMinor: invoice.totalMinor, currency: invoice.currency })} ${invoice.currency}`;
  const due = invoice.dueAt ? invoice.dueAt.slice(0, 10) : 'on receipt';
  await deps.notices.enqueue({
    orgId: invoice.orgId,
    kind: 'invoice',
    cause: `invoice_issued:${invoice.id}`,
    subject: `Invoice ${invoice.number} issued`,
    body: `Invoice ${invoice.number} for ${invoice.period.key} is issued: total ${total}, due ${due}.`,
    data: {
      invoice_id: invoice.id,
      number: invoice.number,
      kind: invoice.kind,
      total_minor: invoice.totalMinor,
      amount_due_minor: invoice.amountDueMinor,
      currency: invoice.currency,
      due_at: invoice.dueAt,
    },
  });
}
