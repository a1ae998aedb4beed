import { httpHandler, ok } from '../../kernel/http/http-handler';
import { getUpcomingInvoice } from '../app/get-upcoming-invoice';
import { deps } from '../compose';
import { INVOICING_CONTRACT } from '../contract';
import { encodeInvoice } from './encode';

export const handler = httpHandler(INVOICING_CONTRACT, 'getUpcomingInvoice', async ({ params }) =>
  ok(encodeInvoice(await getUpcomingInvoice(deps(), params.org))),
);
