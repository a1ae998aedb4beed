import { getUsageSummary } from '../../app/usage-summary';
import { usageDeps } from '../../usage-composition';
import { encodeSummary } from './encode-usage';
import { httpHandler, ok } from './http-handler';

export const handler = httpHandler('getUsageSummary', async ({ params }) =>
  ok(encodeSummary(await getUsageSummary(usageDeps(), params.org))),
);
