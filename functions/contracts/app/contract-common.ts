import { auditEntry } from '../../kernel/audit-entry';
import type { Clock } from '../../kernel/clock';
import { isAppError, notFound } from '../../kernel/errors';
import type { Currency } from '../../kernel/money';
import type { CallContext, IdGenerator } from '../../kernel/ports';
import type { NoticeOutbox } from '../../notices/ports';
import type { OrgReader } from '../../orgs/ports';
import type { SelfServeEnder, TermsReader } from '../../subscriptions/ports';
import type { PeriodUsageRater } from '../../usage/ports';
import type { Contract } from '../domain/contract';
import type { ContractEvent, ContractStore, ContractWrite } from '../ports';

/** What the contract use cases need; each takes only what it uses. */
export interface ContractDeps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly orgs: OrgReader;
  readonly terms: TermsReader;
  readonly contracts: ContractStore;
  /** Ends the org's self-serve subscription when a contract takes over (subscriptions). */
  readonly selfServe: SelfServeEnder;
  readonly usageRating: PeriodUsageRater;
  readonly notices: NoticeOutbox;
  /** Bills a prepaid year's commitment when the year starts (invoicing). */
  readonly commitmentInvoicing: { issueCommitment(orgId: string, contract: Contract, year: number): Promise<void> };
}

/**
 * A contract as shown: the version in force or awaiting its start (active, signed; or the newest that
 * ended), else the newest version; plus a newer version under way (an amendment being drafted or
 * awaiting signature).
 */
export interface ContractView {
  readonly current: Contract;
  readonly amendment?: Contract;
  readonly versions: readonly Contract[];
}

const IN_FORCE: readonly Contract['status'][] = ['active', 'signed'];
const UNDER_WAY: readonly Contract['status'][] = ['draft', 'pending_signature'];

export function viewOf(versions: readonly Contract[]): ContractView {
  const newest = versions[versions.length - 1]!;
  const inForce = [...versions].reverse().find((v) => IN_FORCE.includes(v.status));
  if (!inForce) return { current: newest, versions };
  const amendment = newest.version > inForce.version && UNDER_WAY.includes(newest.status) ? newest : undefined;
  return { current: inForce, ...(amendment ? { amendment } : {}), versions };
}

export async function loadContract(
  deps: Pick<ContractDeps, 'contracts'>,
  orgId: string,
  contractId: string,
): Promise<ContractView> {
  const versions = await deps.contracts.versions(orgId, contractId);
  if (versions.length === 0) throw notFound('contract_not_found', `there is no contract ${contractId}`);
  return viewOf(versions);
}

/** The currencies an org may contract in: its default, and the one its terms are in now. */
export async function settlesIn(
  deps: Pick<ContractDeps, 'orgs' | 'terms' | 'clock'>,
  orgId: string,
): Promise<Currency[]> {
  const [org, terms] = await Promise.all([deps.orgs.get(orgId), deps.terms.termsAt(orgId, deps.clock.now())]);
  if (!org) throw notFound('org_not_found', `organization ${orgId} does not exist`);
  return [...new Set([org.defaultCurrency, ...(terms ? [terms.currency] : [])])];
}

/** A history event and its audit entry, both written in the change's own transaction. */
export function recorded(
  deps: Pick<ContractDeps, 'clock' | 'ids'>,
  ctx: CallContext,
  action: string,
  before: Contract | null,
  after: Contract,
  effectiveAt?: string,
): Pick<ContractWrite, 'events' | 'audits'> {
  const at = deps.clock.now().toISOString();
  const event: ContractEvent = {
    id: deps.ids.next(),
    orgId: after.orgId,
    contractId: after.id,
    version: after.version,
    action,
    at,
    effectiveAt: effectiveAt ?? at,
    actor: ctx.actor,
    before,
    after,
  };
  return {
    events: [event],
    audits: [
      auditEntry(deps, ctx, {
        orgId: after.orgId,
        action: `contract.${action}`,
        target: { type: 'contract', id: `${after.id}@v${after.version}` },
        before,
        after,
      }),
    ],
  };
}

/** Re-reads and retries after a concurrent change (`conflict`), a few times, then gives up. */
export async function retrying<T>(attempt: () => Promise<T>, attempts = 8): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(isAppError(error) && error.code === 'conflict') || n >= attempts) throw error;
      await new Promise((r) => setTimeout(r, Math.random() * 20 * n));
    }
  }
}
