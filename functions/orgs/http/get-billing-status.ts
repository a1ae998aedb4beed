import { httpHandler, ok } from '../../kernel/http/http-handler';
import { getBillingStatus } from '../app/get-billing-status';
import { deps } from '../compose';
import { ORGS_CONTRACT } from '../contract';
import { encodeBillingStatus } from './encode';

export const handler = httpHandler(ORGS_CONTRACT, 'getBillingStatus', async ({ params }) =>
  ok(encodeBillingStatus(await getBillingStatus(deps(), params.org))),
);
