import type { PaymentStanding } from '../../dunning/ports';
import type { CollectionLedger, Invoice } from '../../invoicing/ports';
import { type Actor, systemActor } from '../../kernel/audit';
import { auditEntry } from '../../kernel/audit-entry';
import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import { type Currency, formatMajor } from '../../kernel/money';
import type { CallContext, IdGenerator, TransactionPart } from '../../kernel/ports';
import type { NoticeOutbox } from '../../notices/ports';
import type { PaymentMethodReader, StripeCustomerAccounts } from '../../payments/ports';
import {
  type Attempt,
  type Collected,
  emptyCollected,
  type LedgerStatus,
  type Merged,
  mergeObservation,
  type ObservedInvoice,
  queueFor,
} from '../domain/collection';
import type { CollectionGateway } from '../ports';

/** What the collection use cases need; each takes only what it uses. */
export interface CollectionDeps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly ledger: CollectionLedger;
  readonly gateway: CollectionGateway;
  readonly customers: StripeCustomerAccounts;
  readonly orgPaymentMethods: PaymentMethodReader;
  readonly standing: PaymentStanding;
  readonly notices: NoticeOutbox;
  /** Days after the first failure the retry schedule charges again (DEFAULT_RETRY_DAYS). */
  readonly retryDays: readonly number[];
}

export const COLLECTION_ACTOR: Actor = systemActor('collection');
export const systemContext = (requestId?: string): CallContext => ({
  actor: COLLECTION_ACTOR,
  ...(requestId ? { requestId } : {}),
});

/** Optimistic-concurrency rounds when the webhook, a schedule and pay-now move the same invoice at once. */
const ATTEMPTS = 6;

export const collectedOf = (invoice: Invoice): Collected =>
  (invoice.collection as Collected | undefined) ?? emptyCollected();

const money = (minor: number, currency: Currency) => `${formatMajor({ amountMinor: minor, currency })} ${currency}`;

export const queueOf = (invoice: Invoice, collected: Collected, now: string, retryDays: readonly number[]) =>
  queueFor(
    {
      status: invoice.status as LedgerStatus,
      amountDueMinor: invoice.amountDueMinor,
      collectionMethod: invoice.collectionMethod ?? 'charge_automatically',
      dueAt: invoice.dueAt,
      issuedAt: invoice.issuedAt,
      collected,
    },
    now,
    retryDays,
  );

export type ApplyResult = 'applied' | 'unchanged' | 'duplicate' | 'missing';

/**
 * Merges Stripe's view of an invoice (`observed`, re-read at `observedAt`) into ours and commits it:
 * the side effects of what is new first — each idempotent, so a crash before the commit and a re-run
 * repeat them harmlessly — then one conditional write of the invoice (status index and work list
 * moved, audited) together with `parts` (the Stripe event's inbox record). A lost race re-reads and
 * merges again; a state merged before changes nothing.
 *
 * Effects: a newly seen failed attempt on an invoice still owed starts dunning and notifies the
 * `payment_failed` contacts once per attempt (3-D Secure: with the link to authenticate); the invoice
 * becoming paid (or void) ends dunning unless another open invoice of the org is still in it, and sends
 * the receipt. A late failure seen together with the payment that followed it never starts dunning.
 */
export async function applyObservation(
  deps: CollectionDeps,
  ctx: CallContext,
  ref: { readonly orgId: string; readonly invoiceId: string },
  observed: ObservedInvoice,
  observedAt: string,
  options: { readonly parts?: readonly TransactionPart[]; readonly adjust?: (c: Collected) => Collected } = {},
): Promise<ApplyResult> {
  for (let round = 1; ; round++) {
    const loaded = await deps.ledger.get(ref.orgId, ref.invoiceId);
    if (!loaded) return 'missing';
    const { invoice, version } = loaded;
    const merged = mergeObservation(
      { status: invoice.status as LedgerStatus, collected: collectedOf(invoice) },
      observed,
      observedAt,
    );
    const adjusted = options.adjust ? options.adjust(merged.collected) : merged.collected;
    const changed = merged.changed || JSON.stringify(adjusted) !== JSON.stringify(merged.collected);
    if (!changed) return 'unchanged';
    const collected = await effects(deps, ctx, invoice, { ...merged, collected: adjusted });
    const result = await commit(deps, ctx, invoice, version, merged.status, collected, {
      parts: options.parts ?? [],
      merged,
    });
    if (result === 'applied') return 'applied';
    if (result === 'part_failed') return 'duplicate';
    if (round >= ATTEMPTS) {
      throw new AppError('dependency_unavailable', 'collection_contention', `invoice ${invoice.id} kept changing`);
    }
  }
}

/**
 * One conditional write of the invoice: status, collection fields, its work list (from its state),
 * the audit entry (none when only the work list moves: nothing about the invoice changed), parts.
 */
export async function commit(
  deps: Pick<CollectionDeps, 'clock' | 'ids' | 'ledger' | 'retryDays'>,
  ctx: CallContext,
  invoice: Invoice,
  version: number,
  status: LedgerStatus,
  collected: Collected,
  options: {
    readonly parts?: readonly TransactionPart[];
    readonly merged?: Pick<Merged, 'newAttempts' | 'statusChanged'>;
    readonly audit?: boolean;
  } = {},
) {
  const { merged, parts = [] } = options;
  const now = deps.clock.now().toISOString();
  const next: Invoice = { ...invoice, status, collection: collected };
  const before = collectedOf(invoice);
  const action =
    status !== invoice.status
      ? `invoice.${status}`
      : (merged?.newAttempts.length ?? 0) > 0
        ? 'invoice.payment_attempted'
        : 'invoice.collection_synced';
  const audit = auditEntry(deps, ctx, {
    orgId: invoice.orgId,
    action,
    target: { type: 'invoice', id: invoice.id },
    before: { status: invoice.status, stripe: before.stripe ?? null, attempts: before.attempts.length },
    after: {
      status,
      stripe: collected.stripe ?? null,
      attempts: collected.attempts.length,
      ...(merged && merged.newAttempts.length > 0 ? { newAttempts: merged.newAttempts } : {}),
    },
  });
  return deps.ledger.update({
    next,
    expectedVersion: version,
    queue: queueOf(next, collected, now, deps.retryDays),
    audits: options.audit === false ? [] : [audit],
    parts,
  });
}

async function effects(deps: CollectionDeps, ctx: CallContext, invoice: Invoice, merged: Merged): Promise<Collected> {
  const { status } = merged;
  let collected = merged.collected;
  const at = deps.clock.now().toISOString();
  const link = collected.stripe?.hostedInvoiceUrl ?? null;
  const owed = status === 'open';
  if (owed) {
    for (const attempt of merged.newAttempts.filter((a) => a.outcome !== 'succeeded')) {
      // Our clock, not the charge's: dunning's deadlines run on the product's time.
      await deps.standing.paymentFailed(invoice.orgId, ctx, at);
      collected = { ...collected, dunningStartedAt: collected.dunningStartedAt ?? at };
      await noticeFailed(deps, invoice, attempt, link);
    }
  }
  if (merged.statusChanged && (status === 'paid' || status === 'void')) {
    await endDunningIfSettled(deps, ctx, invoice, at);
    if (status === 'paid') await noticePaid(deps, invoice);
  }
  return collected;
}

/** A payment ends dunning unless another open invoice of the org is still unpaid after a failure. */
export async function endDunningIfSettled(
  deps: Pick<CollectionDeps, 'ledger' | 'standing'>,
  ctx: CallContext,
  invoice: Invoice,
  at: string,
) {
  const open = await deps.ledger.inStatus(invoice.orgId, 'open');
  const stillOwed = open.some((i) => i.id !== invoice.id && (collectedOfAny(i).dunningStartedAt ?? null) !== null);
  if (!stillOwed) await deps.standing.paymentSucceeded(invoice.orgId, ctx, at);
}

const collectedOfAny = (i: Invoice): Collected => (i.collection as Collected | undefined) ?? emptyCollected();

async function noticeFailed(
  deps: Pick<CollectionDeps, 'notices'>,
  invoice: Invoice,
  attempt: Attempt,
  link: string | null,
) {
  const amount = money(invoice.amountDueMinor, invoice.currency);
  const action = attempt.outcome === 'requires_action';
  await deps.notices.enqueue({
    orgId: invoice.orgId,
    kind: 'payment_failed',
    cause: `payment_failed:${invoice.id}:${attempt.id}`,
    subject: action
      ? `Authenticate the payment of invoice ${invoice.number}`
      : `Payment failed for invoice ${invoice.number}`,
    body: action
      ? `Your bank asks you to authenticate the payment of ${amount} for invoice ${invoice.number} (3-D Secure). Complete it here: ${link ?? 'the invoice page'}`
      : `We could not charge ${amount} for invoice ${invoice.number} (${attempt.declineCode ?? 'declined'}). Update your payment method, or pay now${link ? `: ${link}` : '.'}`,
    data: {
      invoice_id: invoice.id,
      number: invoice.number,
      attempt_id: attempt.id,
      outcome: attempt.outcome,
      decline_code: attempt.declineCode,
      amount_due_minor: invoice.amountDueMinor,
      currency: invoice.currency,
      hosted_invoice_url: link,
    },
  });
}

async function noticePaid(deps: Pick<CollectionDeps, 'notices'>, invoice: Invoice) {
  await deps.notices.enqueue({
    orgId: invoice.orgId,
    kind: 'invoice',
    cause: `invoice_paid:${invoice.id}`,
    subject: `Payment received for invoice ${invoice.number}`,
    body: `Invoice ${invoice.number} (${money(invoice.amountDueMinor, invoice.currency)}) is paid. Thank you.`,
    data: {
      invoice_id: invoice.id,
      number: invoice.number,
      amount_paid_minor: invoice.amountDueMinor,
      currency: invoice.currency,
    },
  });
}

/** An attempt Stripe could not make (no payment method): recorded as a failed attempt of its own. */
export const unattempted = (slot: string, at: string, amountMinor: number, reason: string) => ({
  id: `${reason}:${slot}`,
  at,
  status: 'failed' as const,
  amountMinor,
  declineCode: reason,
  paymentMethodId: null,
});
