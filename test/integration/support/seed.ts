import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { item } from '../../../functions/kernel/dynamo/items';
import { keys } from '../../../functions/kernel/dynamo/keys';
import type { PaymentMethodMirror } from '../../../functions/payments/domain/payment-method';
import { buildDeps, type Deps } from '../../support/deps';

let shared: Deps | undefined;

/**
 * Gives an org a default card in the payment-method mirror, written exactly as the payments reconciler
 * writes it (real data in DynamoDB Local, not a fake), so paid plans can be bought in tests.
 */
export async function seedDefaultPaymentMethod(orgId: string, given?: Deps): Promise<string> {
  shared ??= buildDeps();
  const deps = given ?? shared;
  const id = `pm_test_${orgId}`;
  const at = '2026-01-01T00:00:00.000Z';
  const mirror: PaymentMethodMirror = {
    id,
    orgId,
    type: 'card',
    brand: 'visa',
    last4: '4242',
    expMonth: 12,
    expYear: 2030,
    isDefault: true,
    createdAt: at,
    updatedAt: at,
  };
  await deps.db.send(
    new PutCommand({
      TableName: deps.config.tableName,
      Item: item('payment_method', keys.paymentMethod(orgId, id), mirror),
    }),
  );
  return id;
}
