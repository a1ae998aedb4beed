import { createSubscription } from '../../app/create-subscription';
import { deps } from '../../composition';
import type { Currency } from '../../domain/money';
import { encodeChange } from './encode-subscriptions';
import { created, httpHandler } from './http-handler';

export const handler = httpHandler('createSubscription', async ({ params, body, ctx }) =>
  created(
    encodeChange(
      await createSubscription(deps(), ctx, {
        orgId: params.org,
        planId: body.plan_id,
        currency: body.currency as Currency,
        billingModel: body.billing_model,
      }),
      deps().clock.now(),
    ),
  ),
);
