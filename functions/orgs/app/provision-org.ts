import { auditEntry } from '../../kernel/audit-entry';
import { initialBillingStatus } from '../../kernel/billing-status';
import type { Clock } from '../../kernel/clock';
import { conflict, isAppError } from '../../kernel/errors';
import type { Currency } from '../../kernel/money';
import type { Org } from '../../kernel/org';
import type { CallContext, IdGenerator } from '../../kernel/ports';
import type { CalendarEnrollment, OrgStore } from '../ports';

export interface ProvisionOrgInput {
  orgId: string;
  name: string;
  defaultCurrency: Currency;
}

export interface ProvisionOrgResult {
  org: Org;
  created: boolean;
}

/**
 * Creates the org (with its billing status) or updates its name and default currency. Idempotent by
 * nature: provisioning the same values again changes nothing and writes no audit entry. The read is
 * strongly consistent: an eventually consistent one may not see a create made a moment ago, and the
 * platform's quick retry would then try to create again and answer 409 instead of the promised no-op.
 * Two first provisionings racing meet on the create's condition; the loser reads again and converges.
 */
export async function provisionOrg(
  deps: { clock: Clock; ids: IdGenerator; orgs: OrgStore; calendar: Pick<CalendarEnrollment, 'enroll'> },
  ctx: CallContext,
  input: ProvisionOrgInput,
): Promise<ProvisionOrgResult> {
  const now = deps.clock.now().toISOString();
  const existing = await deps.orgs.get(input.orgId, { consistent: true });
  if (!existing) {
    const org: Org = {
      id: input.orgId,
      name: input.name,
      defaultCurrency: input.defaultCurrency,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    const createdNow = await deps.orgs
      .create(
        org,
        initialBillingStatus(org.id, now),
        auditEntry(deps, ctx, {
          orgId: org.id,
          action: 'org.provisioned',
          target: { type: 'org', id: org.id },
          before: null,
          after: org,
        }),
      )
      .then(
        () => true,
        (error: unknown) => {
          if (isAppError(error) && error.code === 'org_exists') return false;
          throw error;
        },
      );
    if (createdNow) return { org, created: true };
    const winner = await deps.orgs.get(input.orgId, { consistent: true });
    if (winner && winner.name === input.name && winner.defaultCurrency === input.defaultCurrency) {
      return { org: winner, created: false };
    }
    throw conflict('org_exists', `organization ${input.orgId} was provisioned concurrently with other values`);
  }
  // Orgs provisioned before the billing calendar existed join it from the current period.
  await deps.calendar.enroll(existing.id, deps.clock.now());
  if (existing.name === input.name && existing.defaultCurrency === input.defaultCurrency) {
    return { org: existing, created: false };
  }
  const org: Org = {
    ...existing,
    name: input.name,
    defaultCurrency: input.defaultCurrency,
    updatedAt: now,
    version: existing.version + 1,
  };
  await deps.orgs.update(
    org,
    existing.version,
    auditEntry(deps, ctx, {
      orgId: org.id,
      action: 'org.updated',
      target: { type: 'org', id: org.id },
      before: existing,
      after: org,
    }),
  );
  return { org, created: false };
}
