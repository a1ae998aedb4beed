import { isAppError } from '../../kernel/errors';
import { logger } from '../../kernel/logger';
import { type CloseOutcome, closeOrgPeriod } from './close-period';
import type { InvoicingDeps } from './invoicing-common';

export interface CloseRunReport {
  readonly due: number;
  readonly outcomes: Readonly<Partial<Record<CloseOutcome, number>>>;
  /** Orgs whose close failed this run: retried by the next run (the calendar still lists them). */
  readonly failed: readonly { readonly orgId: string; readonly code: string }[];
  /** True when the run stopped at its time budget with orgs left (the next run continues). */
  readonly truncated: boolean;
}

/**
 * The period-close schedule: every org whose first open period has ended, read from the billing
 * calendar shard by shard, a page at a time. Each org is closed on its own: a failing org is logged and
 * reported, stays on the calendar for the next run, and never stops the others. The run stops taking new
 * orgs at `budgetMs` so it ends inside its Lambda timeout; the calendar is level-triggered, so the rest
 * are closed by the next run.
 */
export async function closePeriods(
  deps: InvoicingDeps,
  options: { pageSize?: number; budgetMs?: number; concurrency?: number } = {},
): Promise<CloseRunReport> {
  const started = Date.now();
  const now = deps.clock.now();
  const outcomes: Partial<Record<CloseOutcome, number>> = {};
  const failed: { orgId: string; code: string }[] = [];
  let due = 0;
  let cursor: string | undefined;
  let truncated = false;
  do {
    const page = await deps.calendar.dueForClose(now, options.pageSize ?? 50, cursor);
    cursor = page.cursor;
    // Orgs are independent: a few at a time (each close is a handful of round trips, mostly waiting).
    let next = 0;
    const worker = async () => {
      while (next < page.due.length) {
        const item = page.due[next++]!;
        if (options.budgetMs !== undefined && Date.now() - started > options.budgetMs) {
          truncated = true;
          return;
        }
        due += 1;
        try {
          const outcome = await closeOrgPeriod(deps, item.orgId, item.periodEnd);
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        } catch (error) {
          const code = isAppError(error) ? error.code : 'unexpected';
          failed.push({ orgId: item.orgId, code });
          logger.error('period close failed for an org; it is retried next run', {
            org: item.orgId,
            periodEnd: item.periodEnd,
            code,
            error,
          });
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  } while (cursor && !truncated);
  return { due, outcomes, failed, truncated };
}
