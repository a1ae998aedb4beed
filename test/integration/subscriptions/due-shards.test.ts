import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { item } from '../../../functions/kernel/dynamo/items';
import { keys } from '../../../functions/kernel/dynamo/keys';
import type { Deps } from '../../support/deps';
import { freshTableDeps } from '../support/fresh-table';

let deps: Deps;
beforeAll(async () => {
  deps = await freshTableDeps();
});

async function batchPut(items: object[]) {
  for (let i = 0; i < items.length; i += 25) {
    await deps.db.send(
      new BatchWriteCommand({
        RequestItems: {
          [deps.config.tableName]: items
            .slice(i, i + 25)
            .map((Item) => ({ PutRequest: { Item: Item as Record<string, unknown> } })),
        },
      }),
    );
  }
}

describe('the subscription changes due list', () => {
  it('answers every due org exactly once, page after page across the shards, with the entries of before sharding', async () => {
    const boundary = '2026-12-01T00:00:00.000Z';
    const due = Array.from({ length: 300 }, () => `org_${ulid().toLowerCase()}`);
    const later = `org_${ulid().toLowerCase()}`;
    const legacy = `org_${ulid().toLowerCase()}`;
    await batchPut([
      ...due.map((org) =>
        item('subscription', keys.subscription(org), { orgId: org }, keys.subscriptionDue(org, boundary)),
      ),
      item(
        'subscription',
        keys.subscription(later),
        { orgId: later },
        keys.subscriptionDue(later, '2027-01-01T00:00:00.000Z'),
      ),
      // Written by the code of before sharding: on the single key.
      item(
        'subscription',
        keys.subscription(legacy),
        { orgId: legacy },
        {
          GSI2PK: 'SUBSCRIPTION_CHANGES_DUE',
          GSI2SK: `${boundary}#${legacy}`,
        },
      ),
    ]);

    const seen: string[] = [];
    let cursor: Record<string, unknown> | undefined;
    let pages = 0;
    do {
      const page = await deps.subscriptions.dueOrgs(new Date(boundary), 40, cursor);
      expect(page.orgIds.length).toBeLessThanOrEqual(40);
      seen.push(...page.orgIds);
      cursor = page.cursor;
      pages += 1;
    } while (cursor);
    expect(seen.length).toBe(301);
    expect(new Set(seen)).toEqual(new Set([...due, legacy]));
    expect(pages).toBeGreaterThanOrEqual(8);
  });
});
