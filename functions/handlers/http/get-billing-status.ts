import { getBillingStatus } from '../../app/get-billing-status';
import { deps } from '../../composition';
import { encodeBillingStatus } from './encode-core';
import { httpHandler, ok } from './http-handler';

export const handler = httpHandler('getBillingStatus', async ({ params }) =>
  ok(encodeBillingStatus(await getBillingStatus(deps(), params.org))),
);
