import { bytes, httpHandler, ok } from '../../kernel/http/http-handler';
import { getInvoice } from '../app/get-invoice';
import { renderInvoicePdf } from '../app/render-invoice-pdf';
import { deps } from '../compose-pdf';
import { INVOICING_CONTRACT } from '../contract';
import { encodeInvoice } from './encode';

/** JSON by default; `Accept: application/pdf` answers the invoice as a PDF document. */
export const handler = httpHandler(INVOICING_CONTRACT, 'getInvoice', async ({ params, headers }) => {
  if ((headers.accept ?? '').includes('application/pdf')) {
    const { number, pdf } = await renderInvoicePdf(deps(), params.org, params.id);
    return bytes('application/pdf', pdf, { 'content-disposition': `inline; filename="${number}.pdf"` });
  }
  return ok(encodeInvoice(await getInvoice(deps(), params.org, params.id)));
});
