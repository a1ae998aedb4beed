import type { BillableContract } from '../../contracts/ports';
import { addDays } from '../../kernel/clock';
import { notFound } from '../../kernel/errors';
import { nextPeriod, type Period, periodOf } from '../../kernel/period';
import type { ActiveTerms } from '../../subscriptions/ports';
import type { BilledPeriod } from '../domain/billed';
import type { CommitmentYear } from '../domain/commitments';
import { applyPaymentTerms, type Invoice } from '../domain/invoice';
import { type FeeTerms, type PlannedInvoices, planPeriodClose, type RatedPeriodUsage } from '../domain/plan';
import { billToOf, netDaysOf } from '../domain/settings';
import {
  bumped,
  type InvoicingDeps,
  noticeIssued,
  numberAndRecord,
  retryOnConflict,
  settingsOf,
  toBillable,
} from './invoicing-common';

/** Late events are accepted this long after they happened (the usage contract's window). */
const LATE_USAGE_WINDOW_DAYS = 30;

export type CloseOutcome = 'draft' | 'closed' | 'nothing_to_bill' | 'already_closed' | 'not_due';

const feeTerms = (t: ActiveTerms | undefined): FeeTerms | undefined =>
  t
    ? {
        planId: t.planId,
        planVersion: t.planVersion,
        billingModel: t.billingModel,
        currency: t.currency,
        ...(t.contract ? { contract: { id: t.contract.id, platformFeeMinor: t.contract.platformFeeMinor } } : {}),
      }
    : undefined;

/**
 * The contract years a close may bill commitment lines for: every year of the org's signed contracts
 * that has started by the period's end. A contract's newest signed version holds its commitments (an
 * amendment may change them). A contract ended early: years it no longer reaches are forfeited (their
 * commitment invoiced) or dropped (waived), and the year it ended in settles at the end.
 */
export function commitmentYearsOf(contracts: readonly BillableContract[], periodEnd: string): CommitmentYear[] {
  const newest = new Map<string, BillableContract>();
  for (const c of contracts) {
    const seen = newest.get(c.contract.id);
    if (!seen || seen.contract.version < c.contract.version) newest.set(c.contract.id, c);
  }
  const out: CommitmentYear[] = [];
  for (const { contract, years } of newest.values()) {
    const until = contract.activeUntil!;
    const endedEarly = until < contract.termEnd;
    const invoiceRest = endedEarly && contract.onTermination === 'invoice';
    for (const y of years) {
      if (y.start >= periodEnd) continue;
      const forfeited = y.start >= until;
      if (forfeited && !invoiceRest) continue;
      const cutShort = !forfeited && y.end > until;
      out.push({
        contractId: contract.id,
        contractName: contract.name,
        year: y.index,
        currency: contract.currency,
        type: contract.commit.type,
        committedMinor: y.committedMinor,
        start: y.start,
        end: forfeited || cutShort ? until : y.end,
        settleShortfall: cutShort ? invoiceRest : true,
        forfeited,
      });
    }
  }
  return out;
}

/**
 * Loads what a period's invoice is planned from: the period rated now, the terms at its start and at
 * the next period's start, the pending adjustment lines, the earlier periods late usage may still land
 * in (closed ones only), what each of them has been billed, the credit balances. A bounded number of
 * reads whatever the event count: aggregates, not events.
 */
export async function planClose(
  deps: InvoicingDeps,
  orgId: string,
  period: Period,
  now: Date,
  status: 'draft' | 'open' | 'preview',
) {
  const next = nextPeriod(period);
  const lateCandidates = [periodOf(new Date(period.start.getTime() - 1))];
  const before = periodOf(new Date(lateCandidates[0]!.start.getTime() - 1));
  if (before.end.getTime() > addDays(now, -LATE_USAGE_WINDOW_DAYS).getTime() - deps.lateGraceMs)
    lateCandidates.push(before);
  const [org, settings, rated, termsAtStart, termsAtNextStart, pending, account, contracts, termsAtEnd] =
    await Promise.all([
      deps.orgs.get(orgId),
      settingsOf(deps, orgId),
      deps.usageRating.ratePeriod(orgId, period, now),
      deps.terms.termsAt(orgId, period.start),
      deps.terms.termsAt(orgId, next.start),
      deps.adjustments.pending(orgId),
      deps.invoices.account(orgId),
      deps.contractBilling.inForce(orgId, new Date(0), next.end),
      deps.terms.termsAt(orgId, new Date(Math.min(now.getTime(), period.end.getTime()) - 1)),
    ]);
  const years = commitmentYearsOf(contracts, period.end.toISOString());
  const commitmentRecords = await deps.invoices.commitments(orgId, years);
  if (!org) throw notFound('org_not_found', `organization ${orgId} does not exist`);
  const billed = await deps.invoices.billed(orgId, [
    period.key,
    next.key,
    ...lateCandidates.map((p) => p.key),
    ...pending.map((a) => a.periodKey),
  ]);
  const late: RatedPeriodUsage[] = [];
  for (const candidate of lateCandidates) {
    if (!billed.get(candidate.key)?.closedAt) continue;
    late.push(await deps.usageRating.ratePeriod(orgId, candidate, now));
  }
  const planned = planPeriodClose({
    orgId,
    billTo: billToOf(orgId, org.name, settings),
    now,
    period,
    usage: rated,
    termsAtStart: feeTerms(termsAtStart),
    termsAtNextStart: feeTerms(termsAtNextStart),
    adjustments: pending.map(toBillable),
    late,
    billed,
    creditBalances: account.creditBalances,
    status,
    ...(years.length > 0 ? { commitments: { years, records: commitmentRecords } } : {}),
  });
  // Net terms: the contract's in force at the period's end, else the billing settings'.
  const netDays = termsAtEnd?.contract ? termsAtEnd.contract.netDays : netDaysOf(settings);
  const plan = { ...planned, invoices: planned.invoices.map((i) => applyPaymentTerms(i, netDays)) };
  return { plan, billed, settings, account, pending, commitmentRecords };
}

/**
 * Closes one org's period (ending at `periodEnd`): during the late-event grace it keeps a draft up to
 * date; after it, it finalizes the period's invoice(s) in one transaction (numbers, billed records,
 * adjustments marked, credit balance), then notifies the contacts and advances the billing calendar.
 * Re-runnable at any point: the invoice id is derived from org + period, a finalized invoice is never
 * written again, and a run that finds the period closed only finishes the steps after it.
 */
export async function closeOrgPeriod(deps: InvoicingDeps, orgId: string, periodEnd: string): Promise<CloseOutcome> {
  const now = deps.clock.now();
  const period = periodOf(new Date(new Date(periodEnd).getTime() - 1));
  if (now.getTime() < period.end.getTime()) return 'not_due';

  if (now.getTime() < period.end.getTime() + deps.lateGraceMs) {
    const { plan } = await planClose(deps, orgId, period, now, 'draft');
    for (const invoice of plan.invoices) await deps.invoices.saveDraft(invoice);
    return 'draft';
  }

  const done = (await deps.invoices.billed(orgId, [period.key])).get(period.key)!;
  if (done.closedAt) {
    await finishClose(deps, orgId, period, done.closedBy ?? []);
    return 'already_closed';
  }
  const issued = await retryOnConflict(async () => {
    const { plan, billed, settings, account, pending, commitmentRecords } = await planClose(
      deps,
      orgId,
      period,
      deps.clock.now(),
      'open',
    );
    const record = billed.get(period.key)!;
    if (record.closedAt) return record.closedBy ?? [];
    if (plan.invoices.length === 0) {
      await deps.invoices.markPeriodClosed(
        { ...bumped(record), closedAt: now.toISOString(), closedBy: [] },
        record.version,
      );
      return [];
    }
    await finalizeClose(deps, { orgId, plan, billed, settings, account, pending, commitmentRecords, period, now });
    return plan.invoices.map((i) => i.id);
  });
  await finishClose(deps, orgId, period, issued);
  return issued.length > 0 ? 'closed' : 'nothing_to_bill';
}

async function finalizeClose(
  deps: InvoicingDeps,
  input: {
    orgId: string;
    plan: PlannedInvoices;
    billed: ReadonlyMap<string, BilledPeriod>;
    settings: Awaited<ReturnType<typeof planClose>>['settings'];
    account: Awaited<ReturnType<typeof planClose>>['account'];
    pending: Awaited<ReturnType<typeof planClose>>['pending'];
    commitmentRecords: Awaited<ReturnType<typeof planClose>>['commitmentRecords'];
    period: Period;
    now: Date;
  },
) {
  const { plan, period, now } = input;
  const ids = plan.invoices.map((i) => i.id);
  // The period's own record is always written: it carries the close (even when only fees were billed).
  const records = new Map(plan.billed.map((r) => [r.periodKey, r] as const));
  const own = records.get(period.key) ?? input.billed.get(period.key)!;
  records.set(period.key, { ...own, closedAt: now.toISOString(), closedBy: ids });
  const written = [...records.values()].map((r) => ({
    ...r,
    version: (input.billed.get(r.periodKey)?.version ?? 0) + 1,
  }));
  const recorded = await numberAndRecord(deps, {
    orgId: input.orgId,
    invoices: plan.invoices,
    account: input.account,
    settings: input.settings,
    creditBalances: plan.creditBalances,
    adjustments: input.pending,
    action: 'invoice.issued',
    now,
  });
  const commitments = plan.commitments.map((r) => ({
    ...r,
    version: (input.commitmentRecords.get(`${r.contractId}#${r.year}`)?.version ?? 0) + 1,
  }));
  await deps.invoices.finalize({ ...recorded, billed: written, commitments });
}

/** After the close committed: each invoice's notice (deduplicated), then the calendar moves on. */
async function finishClose(deps: InvoicingDeps, orgId: string, period: Period, invoiceIds: readonly string[]) {
  for (const id of invoiceIds) {
    const invoice: Invoice | undefined = await deps.invoices.get(orgId, id);
    if (invoice && invoice.status !== 'draft') await noticeIssued(deps, invoice);
  }
  await deps.calendar.markClosed(orgId, period.end.toISOString());
}
