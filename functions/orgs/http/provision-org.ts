import { created, httpHandler, ok } from '../../kernel/http/http-handler';
import type { Currency } from '../../kernel/money';
import { provisionOrg } from '../app/provision-org';
import { deps } from '../compose';
import { ORGS_CONTRACT } from '../contract';
import { encodeOrg } from './encode';

export const handler = httpHandler(ORGS_CONTRACT, 'provisionOrg', async ({ params, body, ctx }) => {
  const result = await provisionOrg(deps(), ctx, {
    orgId: params.org,
    name: body.name,
    defaultCurrency: body.default_currency as Currency,
  });
  return result.created ? created(encodeOrg(result.org)) : ok(encodeOrg(result.org));
});
