import { httpHandler, ok } from '../../kernel/http/http-handler';
import { getEntitlement } from '../app/budgets';
import { deps } from '../compose';
import { USAGE_CONTRACT } from '../contract';
import { encodeEntitlement } from './encode';

export const handler = httpHandler(USAGE_CONTRACT, 'getEntitlement', async ({ params, query }) =>
  ok(
    encodeEntitlement(
      await getEntitlement(deps(), params.org, {
        agentId: query.agent_id,
        model: query.model,
        connectionId: query.connection_id,
      }),
    ),
  ),
);
