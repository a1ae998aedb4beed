import { ulid } from 'ulid';
import { INVOICE_SCHEMA_VERSION, type Invoice } from '../../functions/invoicing/domain/invoice';
import type { Clock } from '../../functions/kernel/clock';
import { periodOf } from '../../functions/kernel/period';
import type { Deps } from './deps';

/**
 * An issued invoice of `amounts` (one usage line each) in the clock's period, charged automatically,
 * written straight into the ledger as a finalized close would: what the collection tests charge.
 */
export async function issueInvoice(deps: Deps, clock: Clock, orgId: string, amounts: number[]): Promise<string> {
  const id = `in_${ulid()}`;
  const period = periodOf(clock.now());
  const total = amounts.reduce((a, b) => a + b, 0);
  const at = clock.now().toISOString();
  const invoice: Invoice = {
    id,
    orgId,
    number: `TEST-${id.slice(-6)}`,
    kind: 'period',
    status: 'open',
    currency: 'USD',
    period: { key: period.key, start: period.start.toISOString(), end: period.end.toISOString() },
    billTo: { orgId, name: 'Test Co', taxIds: [] },
    lines: amounts.map((amountMinor, i) => ({
      id: `${id}_00${i + 1}`,
      kind: 'usage',
      description: `line ${i + 1}`,
      periodKey: period.key,
      quantity: 1,
      preciseAmount: String(amountMinor),
      amountMinor,
    })),
    subtotalMinor: total,
    creditsAppliedMinor: 0,
    totalMinor: total,
    amountDueMinor: total,
    creditCarriedMinor: 0,
    createdAt: at,
    issuedAt: at,
    dueAt: at,
    adjustmentIds: [],
    collectionMethod: 'charge_automatically',
    daysUntilDue: null,
    schemaVersion: INVOICE_SCHEMA_VERSION,
  };
  await deps.invoices.finalize({
    invoices: [invoice],
    account: { next: { orgId, nextSequence: 2, creditBalances: {}, version: 1 }, expectedVersion: 0 },
    billed: [],
    creditMovements: [],
    parts: [],
    audits: [],
  });
  return id;
}
