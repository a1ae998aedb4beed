import { systemActor } from '../../kernel/audit';
import { auditEntry } from '../../kernel/audit-entry';
import type { BillingStatus } from '../../kernel/billing-status';
import type { Clock } from '../../kernel/clock';
import { isAppError, notFound } from '../../kernel/errors';
import { logger } from '../../kernel/logger';
import type { BillingStatusReader, CallContext, IdGenerator } from '../../kernel/ports';
import type { NoticeOutbox } from '../../notices/ports';
import {
  DEFAULT_DUNNING_POLICY,
  type DunningEvent,
  type DunningPolicy,
  deadlineOf,
  transition,
  withDunning,
} from '../domain/dunning';
import type { DunningStore, NonPaymentListener } from '../ports';

export type DunningDeps = {
  clock: Clock;
  ids: IdGenerator;
  billingStatus: BillingStatusReader;
  dunning: DunningStore;
  notices: NoticeOutbox;
  dunningPolicy?: DunningPolicy;
};

const NOTICE_TEXT: Record<string, { subject: string; body: string }> = {
  past_due: {
    subject: 'Payment failed: your account is past due',
    body: 'We could not collect your last payment. Update your payment method to avoid interruption. New purchases are paused until payment succeeds.',
  },
  grace: {
    subject: 'Action needed: your account is in its grace period',
    body: 'Your payment is still outstanding. Service continues during the grace period; after it ends the account will be suspended.',
  },
  suspended: {
    subject: 'Your account is suspended for non-payment',
    body: 'Your account is suspended because payment is overdue. Pay the outstanding balance to restore service.',
  },
  canceled: {
    subject: 'Your subscription is canceled for non-payment',
    body: 'The payment remained outstanding through suspension, so the subscription is canceled. Contact us to restore it.',
  },
  none: {
    subject: 'Payment received: your account is in good standing',
    body: 'Thank you: your payment succeeded and every restriction from the failed payment is lifted.',
  },
};

/** The schedule's deps: the transitions, and what `canceled` sets off (collection's non-payment enforcement). */
export type AdvanceDunningDeps = DunningDeps & { nonPayment: NonPaymentListener };

/**
 * Where the org waits on the due list after entering a state: its deadline, or — for `canceled` — right
 * away, until the non-payment follow-up (subscription ended, invoices written off) is done.
 */
const dueAfter = (next: ReturnType<typeof transition>, policy: DunningPolicy): string | null =>
  next.state === 'canceled' ? next.enteredAt : deadlineOf(next, policy);

/**
 * Applies one dunning event to an org: computes the next state purely, then writes it conditionally
 * on the version read. A lost race (another run applied it first) re-reads and tries again, so a
 * duplicated or late schedule applies a transition once or not at all. Each state change sends one
 * notice to the `dunning` contacts, deduplicated by (state, entered-at).
 */
export async function applyDunningEvent(
  deps: DunningDeps,
  ctx: CallContext,
  orgId: string,
  event: DunningEvent,
): Promise<BillingStatus> {
  const policy = deps.dunningPolicy ?? DEFAULT_DUNNING_POLICY;
  for (let attempt = 0; ; attempt++) {
    const status = await deps.billingStatus.get(orgId);
    if (!status) throw notFound('org_not_found', `organization ${orgId} does not exist`);
    const current = { state: status.dunningState, enteredAt: status.dunningEnteredAt };
    const next = transition(current, event, policy);
    if (next === current || (next.state === current.state && next.enteredAt === current.enteredAt)) return status;
    const updated = withDunning(status, next, deps.clock.now().toISOString());
    try {
      await deps.dunning.apply(
        updated,
        status.version,
        dueAfter(next, policy),
        auditEntry(deps, ctx, {
          orgId,
          action: `dunning.${next.state}`,
          target: { type: 'billing_status', id: orgId },
          before: { dunningState: status.dunningState, freezeReasons: status.freezeReasons },
          after: { dunningState: updated.dunningState, freezeReasons: updated.freezeReasons },
        }),
      );
    } catch (error) {
      if (isAppError(error) && error.kind === 'conflict' && attempt < 5) continue;
      throw error;
    }
    const text = NOTICE_TEXT[next.state]!;
    await deps.notices.enqueue({
      orgId,
      kind: 'dunning',
      cause: `dunning:${next.state}:${next.enteredAt ?? event.at}`,
      subject: text.subject,
      body: text.body,
      data: { state: next.state, enteredAt: next.enteredAt },
    });
    return updated;
  }
}

export const recordPaymentFailure = (deps: DunningDeps, ctx: CallContext, orgId: string, at: string) =>
  applyDunningEvent(deps, ctx, orgId, { type: 'payment_failed', at });

export const recordPaymentSuccess = (deps: DunningDeps, ctx: CallContext, orgId: string, at: string) =>
  applyDunningEvent(deps, ctx, orgId, { type: 'payment_succeeded', at });

export interface DunningRunReport {
  readonly advanced: number;
  /** Orgs whose step failed this run: logged, left on the due list, retried by the next run. */
  readonly failed: readonly { orgId: string; code: string }[];
}

/**
 * The schedule: every org whose deadline has passed moves one step (repeatedly, if it is far behind).
 * Pages through the whole due list with its cursor (across the shards), and isolates each org: one that
 * fails (a bug, a throttled write) is logged and stays due for the next run; the others still advance.
 * An org in `canceled` gets the non-payment follow-up (its paid subscription ended, its open invoices
 * written off), and leaves the due list only once that is done: a crash in between is finished by the
 * next run.
 */
export async function advanceDunning(deps: AdvanceDunningDeps, pageSize = 100): Promise<DunningRunReport> {
  const now = deps.clock.now().toISOString();
  let advanced = 0;
  const failed: { orgId: string; code: string }[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await deps.dunning.dueOrgsPage(now, pageSize, cursor);
    cursor = page.cursor;
    for (const orgId of page.orgIds) {
      try {
        await advanceOrgDunning(deps, orgId, now);
        advanced += 1;
      } catch (error) {
        const code = isAppError(error) ? error.code : 'unexpected';
        failed.push({ orgId, code });
        logger.error('dunning step failed; retried next run', { org: orgId, code, error });
      }
    }
  } while (cursor);
  return { advanced, failed };
}

/** One org's turn of the schedule at `now`: a deadline check, and the follow-up of `canceled`. */
export async function advanceOrgDunning(deps: AdvanceDunningDeps, orgId: string, now: string): Promise<BillingStatus> {
  const ctx: CallContext = { actor: systemActor('dunning_schedule') };
  const status = await applyDunningEvent(deps, ctx, orgId, { type: 'deadline_check', at: now });
  if (status.dunningState === 'canceled') {
    await deps.nonPayment.canceledForNonPayment(orgId, ctx, now);
    await deps.dunning.settleDue(orgId, status.version);
  }
  return status;
}
