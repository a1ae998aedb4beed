import { httpHandler, ok } from '../../kernel/http/http-handler';
import { getUsageSummary } from '../app/usage-summary';
import { deps } from '../compose';
import { USAGE_CONTRACT } from '../contract';
import { encodeSummary } from './encode';

export const handler = httpHandler(USAGE_CONTRACT, 'getUsageSummary', async ({ params }) =>
  ok(encodeSummary(await getUsageSummary(deps(), params.org))),
);
