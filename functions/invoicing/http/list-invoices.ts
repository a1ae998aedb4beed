import { encodePage } from '../../kernel/http/encode';
import { httpHandler, ok } from '../../kernel/http/http-handler';
import { listInvoices } from '../app/list-invoices';
import { deps } from '../compose';
import { INVOICING_CONTRACT } from '../contract';
import { encodeInvoiceSummary } from './encode';

export const handler = httpHandler(INVOICING_CONTRACT, 'listInvoices', async ({ params, query }) =>
  ok(
    encodePage(
      await listInvoices(deps(), params.org, {
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...(query.from ? { from: query.from } : {}),
        ...(query.to ? { to: query.to } : {}),
      }),
      encodeInvoiceSummary,
    ),
  ),
);
