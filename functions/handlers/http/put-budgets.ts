import { putBudgets } from '../../app/budgets';
import type { Currency } from '../../domain/money';
import { usageDeps } from '../../usage-composition';
import { encodeBudgets } from './encode-usage';
import { httpHandler, ok } from './http-handler';

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
