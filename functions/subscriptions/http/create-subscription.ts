import { created, httpHandler } from '../../kernel/http/http-handler';
import type { Currency } from '../../kernel/money';
import { createSubscription } from '../app/create-subscription';
import { deps } from '../compose';
import { SUBSCRIPTIONS_CONTRACT } from '../contract';
import { encodeChange } from './encode';

export const handler = httpHandler(SUBSCRIPTIONS_CONTRACT, 'createSubscription', async ({ params, body, ctx }) =>
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
