import { httpHandler, ok } from '../../kernel/http/http-handler';
import { getUsageSummary } from '../app/usage-summary';
import { usageDeps } from '../compose';
import { encodeSummary } from './encode';

export const handler = httpHandler('getUsageSummary', async ({ params }) =>
  ok(encodeSummary(await getUsageSummary(usageDeps(), params.org))),
);
