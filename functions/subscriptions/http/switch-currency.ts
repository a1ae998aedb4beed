import { httpHandler, ok } from '../../kernel/http/http-handler';
import type { Currency } from '../../kernel/money';
import { switchCurrency } from '../app/switch-currency';
import { deps } from '../compose';
import { SUBSCRIPTIONS_CONTRACT } from '../contract';
import { encodeChange, expectedVersionFrom } from './encode';

export const handler = httpHandler(SUBSCRIPTIONS_CONTRACT, 'switchCurrency', async ({ params, body, ctx, headers }) =>
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
