import { httpHandler, ok } from '../../kernel/http/http-handler';
import type { Currency } from '../../kernel/money';
import { putBudgets } from '../app/budgets';
import { deps } from '../compose';
import { USAGE_CONTRACT } from '../contract';
import { encodeBudgets } from './encode';

export const handler = httpHandler(USAGE_CONTRACT, 'putBudgets', async ({ params, body, ctx }) =>
  ok(
    encodeBudgets(
      await putBudgets(deps(), ctx, params.org, {
        expectedVersion: body.expected_version,
        budgets: body.budgets.map((b) => ({
          id: b.id,
          name: b.name,
          scope: b.scope,
          amountMinor: b.amount_minor,
          currency: b.currency as Currency | undefined,
          thresholds: b.thresholds,
          action: b.action,
        })),
      }),
    ),
  ),
);
