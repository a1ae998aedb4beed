import { getSubscription } from '../../app/get-subscription';
import { deps } from '../../composition';
import { encodeSubscriptionDetail } from './encode-subscriptions';
import { httpHandler, ok } from './http-handler';

export const handler = httpHandler('getSubscription', async ({ params }) => {
  const view = await getSubscription(deps(), params.org);
  return ok(encodeSubscriptionDetail(params.org, view, deps().clock.now()), {
    etag: `"${view.subscription?.version ?? 0}"`,
  });
});
