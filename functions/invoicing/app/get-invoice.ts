import { notFound } from '../../kernel/errors';
import type { Invoice } from '../domain/invoice';
import type { InvoiceStore } from '../ports';

/** One invoice of the org; another org's id is simply not found in this org's partition. */
export async function getInvoice(
  deps: { invoices: Pick<InvoiceStore, 'get'> },
  orgId: string,
  invoiceId: string,
): Promise<Invoice> {
  const invoice = await deps.invoices.get(orgId, invoiceId);
  if (!invoice) throw notFound('invoice_not_found', `there is no invoice ${invoiceId}`);
  return invoice;
}
