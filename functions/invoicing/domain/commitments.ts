import type { Currency } from '../../kernel/money';

/**
 * Enterprise commitments on invoices, pure. Per contract year invoicing keeps a record of what the
 * year's usage at contract rates has come to on invoices so far, and (prepaid) how much of the prepaid
 * commitment it has drawn. Each period invoice adds its contract usage to the record and:
 *  - prepaid: a `prepaid_drawdown` line takes the usage off the prepaid balance while it lasts (the
 *    commitment was invoiced at the year's start), so overage is billed only once the balance is used;
 *  - postpaid: on the invoice of the period the year ends in, a `true_up` line bills the shortfall,
 *    exactly commitment − consumed (0 when the usage reached the commitment);
 *  - a contract terminated early with `on_termination: invoice` bills its current year's shortfall at
 *    the termination and the commitments of the years it would still have run.
 */
export interface CommitmentRecord {
  readonly orgId: string;
  readonly contractId: string;
  readonly year: number;
  /** The year's usage at contract rates billed on invoices so far. */
  readonly consumedMinor: number;
  /** Prepaid: what drawdown lines have taken off the commitment so far. */
  readonly drawnMinor: number;
  /** Prepaid: the commitment was invoiced (at the year start). */
  readonly commitmentInvoiceId?: string;
  /** Postpaid: the true-up (or a termination's remaining commitment) was billed. */
  readonly settledBy?: string;
  readonly version: number;
}

export const emptyCommitment = (orgId: string, contractId: string, year: number): CommitmentRecord => ({
  orgId,
  contractId,
  year,
  consumedMinor: 0,
  drawnMinor: 0,
  version: 0,
});

export const commitmentKey = (contractId: string, year: number) => `${contractId}#${year}`;

/** A contract year as the period close sees it. */
export interface CommitmentYear {
  readonly contractId: string;
  readonly contractName: string;
  readonly year: number;
  readonly currency: Currency;
  readonly type: 'prepaid' | 'postpaid';
  readonly committedMinor: number;
  readonly start: string;
  /** When the year ends for billing: its end, or the contract's early end. */
  readonly end: string;
  /** Postpaid: its shortfall is due at `end` (not for a year cut short whose commitment is waived). */
  readonly settleShortfall: boolean;
  /** A year the terminated contract will no longer reach, whose commitment is invoiced (`on_termination: invoice`). */
  readonly forfeited: boolean;
}

export interface CommitmentLine {
  readonly kind: 'prepaid_drawdown' | 'true_up' | 'termination_commitment';
  readonly description: string;
  readonly contractId: string;
  readonly year: number;
  readonly currency: Currency;
  readonly amountMinor: number;
}

/**
 * The commitment lines of one invoice and the records after it. `usageByYear` is the usage at contract
 * rates this invoice bills, per `commitmentKey`; `periodEnd` is the end of the period being closed
 * (years ending at or before it settle now).
 */
export function commitmentLines(input: {
  readonly years: readonly CommitmentYear[];
  readonly records: ReadonlyMap<string, CommitmentRecord>;
  readonly usageByYear: ReadonlyMap<string, number>;
  readonly periodEnd: string;
  readonly invoiceId: string;
  readonly orgId: string;
}): { lines: CommitmentLine[]; records: CommitmentRecord[] } {
  const lines: CommitmentLine[] = [];
  const changed: CommitmentRecord[] = [];
  for (const y of input.years) {
    const key = commitmentKey(y.contractId, y.year);
    const before = input.records.get(key) ?? emptyCommitment(input.orgId, y.contractId, y.year);
    const usage = input.usageByYear.get(key) ?? 0;
    let record: CommitmentRecord = { ...before, consumedMinor: before.consumedMinor + usage };
    const label = `${y.contractName}, year ${y.year}`;
    // Only a commitment actually invoiced can be drawn down.
    if (y.type === 'prepaid' && usage > 0 && before.commitmentInvoiceId) {
      const draw = Math.max(0, Math.min(usage, y.committedMinor - before.drawnMinor));
      if (draw > 0) {
        lines.push({
          kind: 'prepaid_drawdown',
          description: `Prepaid commitment used — ${label}`,
          contractId: y.contractId,
          year: y.year,
          currency: y.currency,
          amountMinor: -draw,
        });
        record = { ...record, drawnMinor: before.drawnMinor + draw };
      }
    }
    const due = y.end <= input.periodEnd && !before.settledBy;
    if (due && y.forfeited) {
      if (y.committedMinor > 0) {
        lines.push({
          kind: 'termination_commitment',
          description: `Commitment of a year not reached — ${label}`,
          contractId: y.contractId,
          year: y.year,
          currency: y.currency,
          amountMinor: y.committedMinor,
        });
      }
      record = { ...record, settledBy: input.invoiceId };
    } else if (due && y.settleShortfall && y.type === 'postpaid') {
      const shortfall = Math.max(0, y.committedMinor - record.consumedMinor);
      lines.push({
        kind: 'true_up',
        description: `Minimum commitment true-up — ${label} (committed ${y.committedMinor}, used ${record.consumedMinor})`,
        contractId: y.contractId,
        year: y.year,
        currency: y.currency,
        amountMinor: shortfall,
      });
      record = { ...record, settledBy: input.invoiceId };
    }
    if (
      record.consumedMinor !== before.consumedMinor ||
      record.drawnMinor !== before.drawnMinor ||
      record.settledBy !== before.settledBy
    ) {
      changed.push(record);
    }
  }
  return { lines, records: changed };
}
