import { deps } from '../../kernel/compose';
import { httpHandler, ok } from '../../kernel/http/http-handler';
import type { Currency } from '../../kernel/money';
import { switchCurrency } from '../app/switch-currency';
import { encodeChange, expectedVersionFrom } from './encode';

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
