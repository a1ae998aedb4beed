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
        ...(body.anomaly_policy
          ? {
              anomalyPolicy: {
                ...(body.anomaly_policy.enabled !== undefined ? { enabled: body.anomaly_policy.enabled } : {}),
                ...(body.anomaly_policy.multiple !== undefined ? { multiple: body.anomaly_policy.multiple } : {}),
                ...(body.anomaly_policy.baseline_hours !== undefined
                  ? { baselineHours: body.anomaly_policy.baseline_hours }
                  : {}),
                ...(body.anomaly_policy.min_hourly_spend_minor !== undefined
                  ? { minHourlySpendMinor: body.anomaly_policy.min_hourly_spend_minor }
                  : {}),
              },
            }
          : {}),
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
