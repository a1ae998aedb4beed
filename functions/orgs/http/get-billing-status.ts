import { deps } from '../../kernel/compose';
import { httpHandler, ok } from '../../kernel/http/http-handler';
import { getBillingStatus } from '../app/get-billing-status';
import { encodeBillingStatus } from './encode';

export const handler = httpHandler('getBillingStatus', async ({ params }) =>
  ok(encodeBillingStatus(await getBillingStatus(deps(), params.org))),
);
