import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { kernel } from '../../kernel/compose';
import { keys } from '../../kernel/dynamo/keys';
import { dependencyUnavailable } from '../../kernel/errors';
import { httpHandler, ok } from '../../kernel/http/http-handler';
import { API_CONTRACT } from '../contract';

/** Healthy means the table answers: a point read of a key that never exists costs 0.5 RCU. */
export const handler = httpHandler(API_CONTRACT, 'getHealth', async () => {
  const { db, config, clock } = kernel();
  try {
    await db.send(new GetCommand({ TableName: config.tableName, Key: keys.health }));
  } catch (error) {
    throw dependencyUnavailable('table_unavailable', 'the billing store is not reachable', error);
  }
  const now = clock.now().toISOString();
  // `now` is the product clock (locally it may start elsewhere and run faster); `time` is its old name.
  return ok({ status: 'ok', now, time: now, clock: { speed: config.clockFactor } });
});
