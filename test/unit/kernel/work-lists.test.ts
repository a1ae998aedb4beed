import { ulid } from 'ulid';
import { keys, WORK_LIST_SHARDS, workListPartitions, workListShard } from '../../../functions/kernel/dynamo/keys';

/** How many entries each partition of a work list holds. */
const spread = (partitionKeys: string[]) => {
  const counts = new Map<string, number>();
  for (const pk of partitionKeys) counts.set(pk, (counts.get(pk) ?? 0) + 1);
  return counts;
};

describe('the sharded work lists', () => {
  // A month end: 10,000 orgs all due at the same boundary.
  const monthEnd = '2026-12-01T00:00:00.000Z';
  const orgs = Array.from({ length: 10_000 }, () => `org_${ulid().toLowerCase()}`);

  it.each([
    [
      'subscription changes due',
      'SUBSCRIPTION_CHANGES_DUE',
      (org: string) => keys.subscriptionDue(org, monthEnd).GSI2PK,
    ],
    ['dunning deadlines', 'DUNNING_DUE', (org: string) => keys.dunningDue(org, monthEnd).GSI2PK],
    ['orgs with notices to deliver', 'NOTICES_PENDING', (org: string) => keys.noticeOrgDueIndex(org, monthEnd).GSI2PK],
  ])('spreads a month end of 10,000 due orgs evenly over every shard of the %s', (_name, list, partitionOf) => {
    const counts = spread(orgs.map(partitionOf));
    const readers = workListPartitions(list);
    // Every entry is on a partition the readers fan out over, none on the old single key.
    for (const pk of counts.keys()) expect(readers).toContain(pk);
    expect(counts.has(list)).toBe(false);
    expect(counts.size).toBe(WORK_LIST_SHARDS);
    const mean = orgs.length / WORK_LIST_SHARDS;
    // 625 per shard on average: no shard takes more than a quarter above it (≈ 780 writes where one
    // partition would have taken all 10,000 in the same second).
    expect(Math.max(...counts.values())).toBeLessThan(mean * 1.25);
    expect(Math.min(...counts.values())).toBeGreaterThan(mean * 0.75);
  });

  it('keeps an org on one shard, whatever the instant it is due at', () => {
    for (const org of orgs.slice(0, 100)) {
      const shard = workListShard(org);
      expect(keys.subscriptionDue(org, '2026-11-01T00:00:00.000Z').GSI2PK).toBe(
        `SUBSCRIPTION_CHANGES_DUE#${String(shard).padStart(2, '0')}`,
      );
      expect(keys.dunningDue(org, '2027-03-04T05:06:07.000Z').GSI2PK.endsWith(String(shard).padStart(2, '0'))).toBe(
        true,
      );
    }
  });
});
