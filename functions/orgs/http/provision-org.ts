import { deps } from '../../kernel/compose';
import { created, httpHandler, ok } from '../../kernel/http/http-handler';
import type { Currency } from '../../kernel/money';
import { provisionOrg } from '../app/provision-org';
import { encodeOrg } from './encode';

export const handler = httpHandler('provisionOrg', async ({ params, body, ctx }) => {
  const result = await provisionOrg(deps(), ctx, {
    orgId: params.org,
    name: body.name,
    defaultCurrency: body.default_currency as Currency,
  });
  return result.created ? created(encodeOrg(result.org)) : ok(encodeOrg(result.org));
});
