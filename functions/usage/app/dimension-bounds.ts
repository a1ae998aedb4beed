import { periodOf } from '../../kernel/period';
import { boundEvent, type DimensionRegistry, decides, isEmptyAdmission, planAdmission } from '../domain/cardinality';
import type { AcceptedUsage, DimensionRegistryStore } from '../ports';

/** How an admission that keeps meeting concurrent ones gives up: the org's records are retried. */
const MAX_ADMISSION_ROUNDS = 5;
/** Registries kept per container (least recently written out first). */
const CACHE_ENTRIES = 1_000;

/**
 * Maps a batch's events onto the dimensions their org may still count on their own this period (see
 * domain/cardinality.ts). The registry is read only when the cache cannot decide an event, and written
 * only when something new is admitted: in steady state neither happens. What the cache holds is always
 * still true: the registry only grows, and what did not fit once never fits later.
 */
export class DimensionBounds {
  private readonly cache = new Map<string, { registry: DimensionRegistry; overflowed: Set<string> }>();

  constructor(private readonly store: DimensionRegistryStore) {}

  async bound(
    events: readonly AcceptedUsage[],
  ): Promise<{ bounded: AcceptedUsage[]; failedOrgs: ReadonlySet<string> }> {
    const groups = new Map<string, { orgId: string; periodKey: string; indices: number[] }>();
    events.forEach((u, i) => {
      const periodKey = periodOf(u.event.timestamp).key;
      const key = `${u.event.orgId}\u0000${periodKey}`;
      const group = groups.get(key) ?? { orgId: u.event.orgId, periodKey, indices: [] };
      group.indices.push(i);
      groups.set(key, group);
    });
    const bounded = [...events];
    const failedOrgs = new Set<string>();
    await Promise.all(
      [...groups].map(async ([key, { orgId, periodKey, indices }]) => {
        const mine = indices.map((i) => events[i]!.event);
        try {
          const registry = await this.registryFor(key, orgId, periodKey, mine);
          for (const i of indices) bounded[i] = { ...events[i]!, event: boundEvent(events[i]!.event, registry) };
        } catch {
          failedOrgs.add(orgId);
        }
      }),
    );
    return { bounded, failedOrgs };
  }

  private async registryFor(
    key: string,
    orgId: string,
    periodKey: string,
    events: AcceptedUsage['event'][],
  ): Promise<DimensionRegistry> {
    const cached = this.cache.get(key);
    if (cached && decides(cached.registry, cached.overflowed, events)) return cached.registry;
    for (let round = 1; ; round++) {
      const registry = await this.store.readDimensions(orgId, periodKey);
      const plan = planAdmission(registry, events);
      if (
        isEmptyAdmission(plan.admission) ||
        (await this.store.admitDimensions(orgId, periodKey, plan.admission, registry.version))
      ) {
        this.remember(key, {
          registry: plan.after,
          overflowed: new Set([...(cached?.overflowed ?? []), ...plan.overflowed]),
        });
        return plan.after;
      }
      if (round >= MAX_ADMISSION_ROUNDS) throw new Error('the dimension registry kept changing under admission');
    }
  }

  private remember(key: string, entry: { registry: DimensionRegistry; overflowed: Set<string> }): void {
    this.cache.delete(key);
    this.cache.set(key, entry);
    if (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
  }
}
