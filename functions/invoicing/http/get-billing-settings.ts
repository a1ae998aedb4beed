import { httpHandler, ok } from '../../kernel/http/http-handler';
import { getBillingSettings } from '../app/billing-settings';
import { deps } from '../compose';
import { INVOICING_CONTRACT } from '../contract';
import { encodeSettings } from './encode';

export const handler = httpHandler(INVOICING_CONTRACT, 'getBillingSettings', async ({ params }) =>
  ok(encodeSettings(await getBillingSettings(deps(), params.org))),
);
