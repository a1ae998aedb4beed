import { httpHandler, ok } from '../../kernel/http/http-handler';
import { getSubscription } from '../app/get-subscription';
import { deps } from '../compose';
import { SUBSCRIPTIONS_CONTRACT } from '../contract';
import { encodeSubscriptionDetail } from './encode';

export const handler = httpHandler(SUBSCRIPTIONS_CONTRACT, 'getSubscription', async ({ params }) => {
  const view = await getSubscription(deps(), params.org);
  return ok(encodeSubscriptionDetail(params.org, view, deps().clock.now()), {
    etag: `"${view.subscription?.version ?? 0}"`,
  });
});
