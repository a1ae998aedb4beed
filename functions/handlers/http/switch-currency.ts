import { switchCurrency } from '../../app/switch-currency';
import { deps } from '../../composition';
import type { Currency } from '../../domain/money';
import { encodeChange, expectedVersionFrom } from './encode-subscriptions';
import { httpHandler, ok } from './http-handler';

export const handler = httpHandler('switchCurrency', async ({ params, body, ctx, headers }) =>
  ok(
    encodeChange(
      await switchCurrency(deps(), ctx, {
        orgId: params.org,
        currency: body.currency as Currency,
        expectedVersion: expectedVersionFrom(headers),
      }),
      deps().clock.now(),
    ),
  ),
);
