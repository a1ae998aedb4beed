import { cancelSubscription } from '../../app/cancel-subscription';
import { deps } from '../../composition';
import { encodeChange, expectedVersionFrom } from './encode-subscriptions';
import { httpHandler, ok } from './http-handler';

export const handler = httpHandler('cancelSubscription', async ({ params, body, ctx, headers }) =>
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
