import type { AuditEntry } from './audit';
import { auditEntry } from './audit-entry';
import type { BillingStatus, FreezeReason } from './billing-status';
import type { Clock } from './clock';
import { isAppError, notFound } from './errors';
import type { BillingStatusReader, CallContext, IdGenerator } from './ports';

/**
 * The freeze gate's writing side, called by the capabilities that freeze and unfreeze an org (disputes,
 * dunning). Freeze reasons are a set: adding one that is there, or removing one that is not, changes
 * nothing and writes nothing. Writes are conditional on the billing status's version (re-read and
 * retried a few times on a concurrent change); every change has its audit entry in the same
 * transaction. Purchases check the same item inside their own transactions (subscription-store.ts),
 * so after `addFreezeReason` resolves no purchase can commit until the reason is removed.
 */
export interface FreezeReasonStore {
  /** Replaces the status if still at `expectedVersion`; `conflict` otherwise. */
  replace(next: BillingStatus, expectedVersion: number, audit: AuditEntry): Promise<void>;
}

export interface FreezeGateDeps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly billingStatus: BillingStatusReader;
  readonly freezeReasons: FreezeReasonStore;
}

const ATTEMPTS = 8;

async function updateReasons(
  deps: FreezeGateDeps,
  ctx: CallContext,
  orgId: string,
  action: 'billing.freeze_reason_added' | 'billing.freeze_reason_removed',
  change: (reasons: readonly FreezeReason[]) => readonly FreezeReason[] | undefined,
): Promise<BillingStatus> {
  for (let attempt = 1; ; attempt++) {
    const status = await deps.billingStatus.get(orgId);
    if (!status) throw notFound('org_not_found', `organization ${orgId} does not exist`);
    const reasons = change(status.freezeReasons);
    if (!reasons) return status;
    const next: BillingStatus = {
      ...status,
      freezeReasons: reasons,
      updatedAt: deps.clock.now().toISOString(),
      version: status.version + 1,
    };
    try {
      await deps.freezeReasons.replace(
        next,
        status.version,
        auditEntry(deps, ctx, {
          orgId,
          action,
          target: { type: 'billing_status', id: orgId },
          before: { freezeReasons: status.freezeReasons, version: status.version },
          after: { freezeReasons: next.freezeReasons, version: next.version },
        }),
      );
      return next;
    } catch (error) {
      if (!(isAppError(error) && error.code === 'conflict') || attempt >= ATTEMPTS) throw error;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
}

/** Freezes new spend for `reason` (`dunning`, `dispute:<id>`); a no-op when the reason is already there. */
export const addFreezeReason = (deps: FreezeGateDeps, ctx: CallContext, orgId: string, reason: FreezeReason) =>
  updateReasons(deps, ctx, orgId, 'billing.freeze_reason_added', (reasons) =>
    reasons.includes(reason) ? undefined : [...reasons, reason],
  );

/** Lifts `reason` only; other reasons keep the org frozen. A no-op when the reason is not there. */
export const removeFreezeReason = (deps: FreezeGateDeps, ctx: CallContext, orgId: string, reason: FreezeReason) =>
  updateReasons(deps, ctx, orgId, 'billing.freeze_reason_removed', (reasons) =>
    reasons.includes(reason) ? reasons.filter((r) => r !== reason) : undefined,
  );
