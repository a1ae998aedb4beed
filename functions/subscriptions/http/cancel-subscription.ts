import { httpHandler, ok } from '../../kernel/http/http-handler';
import { cancelSubscription } from '../app/cancel-subscription';
import { deps } from '../compose';
import { SUBSCRIPTIONS_CONTRACT } from '../contract';
import { encodeChange, expectedVersionFrom } from './encode';

export const handler = httpHandler(
  SUBSCRIPTIONS_CONTRACT,
  'cancelSubscription',
  async ({ params, body, ctx, headers }) =>
    ok(
      encodeChange(
        await cancelSubscription(deps(), ctx, {
          orgId: params.org,
          atPeriodEnd: body.at_period_end,
          expectedVersion: expectedVersionFrom(headers),
        }),
        deps().clock.now(),
      ),
    ),
);
