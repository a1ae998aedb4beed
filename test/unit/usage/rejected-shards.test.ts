import { keys, UNKNOWN_ORG_REJECTION_SHARDS } from '../../../functions/kernel/dynamo/keys';

describe('the unknown-org quarantine', () => {
  it('spreads a burst of 10,000 rejected events over its shards, the same one for each redelivery', () => {
    const perShard = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const messageId = `7c1f0a2e-${String(i).padStart(6, '0')}`;
      const key = keys.usageRejected(undefined, '2026-11-30T23:59:59.000Z', messageId, i % 7);
      expect(keys.usageRejected(undefined, '2026-11-30T23:59:59.000Z', messageId, i % 7)).toEqual(key);
      perShard.set(key.PK, (perShard.get(key.PK) ?? 0) + 1);
    }
    expect(perShard.size).toBe(UNKNOWN_ORG_REJECTION_SHARDS);
    const mean = 10_000 / UNKNOWN_ORG_REJECTION_SHARDS;
    for (const n of perShard.values()) {
      expect(n).toBeGreaterThan(0.8 * mean);
      expect(n).toBeLessThan(1.2 * mean);
    }
    // Readers fan out over every shard and the partition used before the shards.
    expect(new Set(keys.usageRejectedUnknownOrgPartitions())).toEqual(
      new Set([...perShard.keys(), 'USAGE_REJECTED#UNKNOWN_ORG']),
    );
  });

  it('keeps rejections of a known org in the org’s own partition', () => {
    expect(keys.usageRejected('org_a', '2026-11-30T23:59:59.000Z', 'm', 0).PK).toBe('USAGE_REJECTED#org_a');
  });
});
