import { createHash } from 'node:crypto';

/**
 * Invoice numbers: `<prefix>-<sequence>`, the sequence per org starting at 1, assigned when an invoice
 * is finalized (drafts have none), consecutive with no gaps. The prefix is the org's choice (billing
 * settings) or derived from the org id; prefixes are unique across orgs, and fixed once the org's first
 * invoice is numbered (numbers already sent to customers must stay unambiguous).
 */
export const INVOICE_PREFIX_PATTERN = /^[A-Z0-9]{3,12}$/;

/** Letters and digits of the org id, upper-cased, plus four characters of its hash: unique in practice. */
export function defaultInvoicePrefix(orgId: string): string {
  const stem = orgId
    .replace(/^org[_-]/i, '')
    .replace(/[^A-Za-z0-9]/g, '')
    .toUpperCase()
    .slice(0, 6);
  const hash = createHash('sha256').update(orgId).digest('hex').toUpperCase().slice(0, 4);
  return `${stem || 'ORG'}${hash}`.slice(0, 12);
}

export const formatInvoiceNumber = (prefix: string, sequence: number): string =>
  `${prefix}-${String(sequence).padStart(4, '0')}`;
