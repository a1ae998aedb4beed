import { businessRule } from '../../kernel/errors';
import type { InvoicePdfRenderer, InvoiceStore } from '../ports';
import { getInvoice } from './get-invoice';

/** The invoice as a PDF. Drafts have no number yet and are not rendered (the JSON shows them). */
export async function renderInvoicePdf(
  deps: { invoices: Pick<InvoiceStore, 'get'>; pdf: InvoicePdfRenderer },
  orgId: string,
  invoiceId: string,
): Promise<{ number: string; pdf: Uint8Array }> {
  const invoice = await getInvoice(deps, orgId, invoiceId);
  if (invoice.number === null) {
    throw businessRule('invoice_not_finalized', 'a draft invoice has no PDF yet; it is rendered once it is issued');
  }
  return { number: invoice.number, pdf: await deps.pdf.render(invoice) };
}
