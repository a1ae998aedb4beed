import { httpHandler, ok } from '../../kernel/http/http-handler';
import type { Currency } from '../../kernel/money';
import { putBudgets } from '../app/budgets';
import { usageDeps } from '../compose';
import { encodeBudgets } from './encode';

export const handler = httpHandler('putBudgets', async ({ params, body, ctx }) =>
  ok(
    encodeBudgets(
      await putBudgets(usageDeps(), ctx, params.org, {
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
