import { systemActor } from '../../kernel/audit';
import { isAppError } from '../../kernel/errors';
import { settle } from '../domain/subscription';
import { bump, persist, type SubscriptionDeps } from './subscription-common';

export interface RollupReport {
  readonly due: number;
  readonly applied: number;
  /** Changed concurrently (the other writer settled it) or already applied: nothing to do. */
  readonly skipped: number;
}

/**
 * Applies subscription changes due at a period boundary (downgrades, cancellations at period end,
 * currency switches), reading only what is due from GSI2. Idempotent: each write is conditional on the
 * version read and `settle` applies nothing twice, so a schedule firing twice, late, or racing a user's
 * write applies each change exactly once (dated at its boundary, not at the late run's time).
 */
export async function rollupPeriods(
  deps: SubscriptionDeps,
  options: { pageSize?: number } = {},
): Promise<RollupReport> {
  const now = deps.clock.now();
  const ctx = { actor: systemActor('rollupPeriods') };
  let due = 0;
  let applied = 0;
  let skipped = 0;
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await deps.subscriptions.dueOrgs(now, options.pageSize ?? 100, cursor);
    cursor = page.cursor;
    for (const orgId of page.orgIds) {
      due += 1;
      const stored = await deps.subscriptions.get(orgId);
      if (!stored) {
        skipped += 1;
        continue;
      }
      const { subscription, events } = settle(stored, now);
      if (events.length === 0) {
        skipped += 1;
        continue;
      }
      try {
        await persist(deps, ctx, { stored, next: bump(subscription, now, {}), due: events, events: [] });
        applied += 1;
      } catch (error) {
        if (isAppError(error) && error.code === 'conflict') skipped += 1;
        else throw error;
      }
    }
  } while (cursor);
  return { due, applied, skipped };
}
