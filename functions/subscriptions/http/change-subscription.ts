import { httpHandler, ok } from '../../kernel/http/http-handler';
import { changeSubscription } from '../app/change-subscription';
import { deps } from '../compose';
import { SUBSCRIPTIONS_CONTRACT } from '../contract';
import { encodeChange, expectedVersionFrom } from './encode';

export const handler = httpHandler(
  SUBSCRIPTIONS_CONTRACT,
  'changeSubscription',
  async ({ params, body, ctx, headers }) =>
    ok(
      encodeChange(
        await changeSubscription(deps(), ctx, {
          orgId: params.org,
          planId: body.plan_id,
          billingModel: body.billing_model,
          cancelAtPeriodEnd: body.cancel_at_period_end,
          expectedVersion: expectedVersionFrom(headers),
        }),
        deps().clock.now(),
      ),
    ),
);
