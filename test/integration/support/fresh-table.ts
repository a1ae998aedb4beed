import { ulid } from 'ulid';
import type { Clock } from '../../../functions/kernel/clock';
import { loadConfig } from '../../../functions/kernel/config';
import type { Currency } from '../../../functions/kernel/money';
import { provisionOrg } from '../../../functions/orgs/app/provision-org';
import { ensureTable } from '../../../scripts/local/create-table';
import { localDynamoClient } from '../../../scripts/local/dynamodb-local';
import { buildDeps, type Deps } from '../../support/deps';

/**
 * Every capability's deps over a table of their own in the test DynamoDB Local. The schedules read
 * work lists that span all orgs (due subscription changes, dunning deadlines, pending notices): in the
 * shared table other test files' orgs are on them too, and a run would act on those. A fresh table per
 * test file is a namespace no one else writes to, on the same real DynamoDB Local.
 */
export async function freshTableDeps(clock?: Clock): Promise<Deps> {
  const config = loadConfig();
  const tableName = `t_${ulid().toLowerCase()}`;
  const client = localDynamoClient(config.dynamodbEndpoint!);
  try {
    await ensureTable(client, tableName);
  } finally {
    client.destroy();
  }
  return buildDeps({ ...config, tableName }, clock);
}

/** Provisions an org in `deps`' table through the product's own use case. */
export async function provisionIn(deps: Deps, options: { currency?: Currency } = {}): Promise<string> {
  const orgId = `org_${ulid().toLowerCase()}`;
  await provisionOrg(
    deps,
    { actor: { type: 'system', id: 'test' } },
    {
      orgId,
      name: `Test ${orgId}`,
      defaultCurrency: options.currency ?? 'USD',
    },
  );
  return orgId;
}
