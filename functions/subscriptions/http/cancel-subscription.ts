import { deps } from '../../kernel/compose';
import { httpHandler, ok } from '../../kernel/http/http-handler';
import { cancelSubscription } from '../app/cancel-subscription';
import { encodeChange, expectedVersionFrom } from './encode';

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
