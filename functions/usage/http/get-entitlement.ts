import { httpHandler, ok } from '../../kernel/http/http-handler';
import { getEntitlement } from '../app/budgets';
import { usageDeps } from '../compose';
import { encodeEntitlement } from './encode';

export const handler = httpHandler('getEntitlement', async ({ params, query }) =>
  ok(
    encodeEntitlement(
      await getEntitlement(usageDeps(), params.org, {
        agentId: query.agent_id,
        model: query.model,
        connectionId: query.connection_id,
      }),
    ),
  ),
);
