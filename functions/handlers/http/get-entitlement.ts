import { getEntitlement } from '../../app/budgets';
import { usageDeps } from '../../usage-composition';
import { encodeEntitlement } from './encode-usage';
import { httpHandler, ok } from './http-handler';

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
