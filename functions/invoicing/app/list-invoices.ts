import { validation } from '../../kernel/errors';
import type { Page } from '../../kernel/ports';
import type { Invoice } from '../domain/invoice';
import type { InvoiceListOptions, InvoiceStore } from '../ports';

/** The org's invoices, newest first, filtered by status and invoice date; a cursor per page. */
export async function listInvoices(
  deps: { invoices: Pick<InvoiceStore, 'list'> },
  orgId: string,
  options: InvoiceListOptions,
): Promise<Page<Invoice>> {
  if (options.from && options.to && options.from.getTime() >= options.to.getTime()) {
    throw validation('invalid_request', '`from` must be before `to`', [
      { path: 'from', message: 'must be before `to`', code: 'invalid_range' },
    ]);
  }
  return deps.invoices.list(orgId, options);
}
