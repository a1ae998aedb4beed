import { notFound } from '../../kernel/errors';
import { derivedUlid } from '../../kernel/ids';
import { periodOf } from '../../kernel/period';
import { emptyCommitment } from '../domain/commitments';
import { applyCredit, applyPaymentTerms, INVOICE_SCHEMA_VERSION, type Invoice } from '../domain/invoice';
import { billToOf } from '../domain/settings';
import type { CommitmentToInvoice } from '../ports';
import { type InvoicingDeps, noticeIssued, numberAndRecord, retryOnConflict, settingsOf } from './invoicing-common';

/**
 * A prepaid contract year's commitment, invoiced at the year's start (kind `contract`): one invoice per
 * contract and year, whatever the number of runs (its id derives from them, and the year's commitment
 * record names it once issued). Usage then draws the prepaid amount down on the period invoices.
 */
export async function issueCommitment(deps: InvoicingDeps, orgId: string, year: CommitmentToInvoice): Promise<Invoice> {
  return retryOnConflict(async () => {
    const now = deps.clock.now();
    const id = `in_${derivedUlid(Date.parse(year.start), `${orgId}|${year.contractId}|${year.year}|commitment`)}`;
    const existing = await deps.invoices.get(orgId, id);
    if (existing && existing.status !== 'draft') return existing;
    const [org, settings, account, records] = await Promise.all([
      deps.orgs.get(orgId),
      settingsOf(deps, orgId),
      deps.invoices.account(orgId),
      deps.invoices.commitments(orgId, [{ contractId: year.contractId, year: year.year }]),
    ]);
    if (!org) throw notFound('org_not_found', `organization ${orgId} does not exist`);
    const record = records.get(`${year.contractId}#${year.year}`) ?? emptyCommitment(orgId, year.contractId, year.year);
    const period = periodOf(new Date(year.start));
    const balance = account.creditBalances[year.currency] ?? 0;
    const credit = applyCredit(year.committedMinor, balance);
    const issued = now.toISOString();
    // The contract's payment terms: net 0 is charged automatically, net N sent and due N days later.
    const invoice: Invoice = applyPaymentTerms(
      {
        id,
        orgId,
        number: null,
        kind: 'contract',
        status: 'open',
        currency: year.currency,
        period: { key: period.key, start: period.start.toISOString(), end: period.end.toISOString() },
        billTo: billToOf(orgId, org.name, settings),
        lines: [
          {
            id: `${id}_001`,
            kind: 'commitment',
            description: `Prepaid commitment — ${year.contractName}, year ${year.year} (${year.start.slice(0, 10)} – ${year.end.slice(0, 10)})`,
            periodKey: period.key,
            quantity: 1,
            unitAmountDecimal: String(year.committedMinor),
            preciseAmount: String(year.committedMinor),
            amountMinor: year.committedMinor,
            contractId: year.contractId,
            contractYear: year.year,
          },
        ],
        subtotalMinor: year.committedMinor,
        creditsAppliedMinor: credit.creditsAppliedMinor,
        totalMinor: credit.totalMinor,
        amountDueMinor: credit.amountDueMinor,
        creditCarriedMinor: credit.creditCarriedMinor,
        createdAt: issued,
        issuedAt: issued,
        dueAt: issued,
        adjustmentIds: [],
        schemaVersion: INVOICE_SCHEMA_VERSION,
      },
      year.netDays,
    );
    const recorded = await numberAndRecord(deps, {
      orgId,
      invoices: [invoice],
      account,
      settings,
      creditBalances: { ...account.creditBalances, [year.currency]: credit.balanceAfterMinor },
      adjustments: [],
      action: 'invoice.issued',
      now,
    });
    await deps.invoices.finalize({
      ...recorded,
      billed: [],
      commitments: [{ ...record, commitmentInvoiceId: id, version: record.version + 1 }],
    });
    await noticeIssued(deps, recorded.invoices[0]!);
    return recorded.invoices[0]!;
  });
}
