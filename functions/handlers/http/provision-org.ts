import { provisionOrg } from '../../app/provision-org';
import { deps } from '../../composition';
import type { Currency } from '../../domain/money';
import { encodeOrg } from './encode-core';
import { created, httpHandler, ok } from './http-handler';

export const handler = httpHandler('provisionOrg', async ({ params, body, ctx }) => {
  const result = await provisionOrg(deps(), ctx, {
    orgId: params.org,
    name: body.name,
    defaultCurrency: body.default_currency as Currency,
  });
  return result.created ? created(encodeOrg(result.org)) : ok(encodeOrg(result.org));
});
