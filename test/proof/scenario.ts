import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import type { ContractTerms } from '../../functions/contracts/domain/contract';
import { item } from '../../functions/kernel/dynamo/items';
import { keys } from '../../functions/kernel/dynamo/keys';
import { provisionOrg } from '../../functions/orgs/app/provision-org';
import type { Deps } from '../../scripts/local/all-deps';
import type { StripeSandbox } from '../../scripts/stripe-sandbox';
import type { TestApi } from '../integration/support/api';

/**
 * The failure catalogue as runnable scenarios (`npm run proof` at full counts, the integration suite at
 * small ones). A scenario drives the real handlers and stores on the local stack, injects its faults,
 * and counts violations of what the product promises: nothing lost, nothing doubled, no purchase past a
 * freeze, no cross-tenant read.
 */
export type Scale = 'small' | 'full';

export interface ScenarioResult {
  readonly trials: number;
  readonly faults: number;
  readonly violations: number;
  /** What a violation was (the first few), for the report. */
  readonly examples?: readonly string[];
  /** What else the scenario measured, for the report (not violations). */
  readonly notes?: readonly string[];
}

export interface ProofContext {
  readonly deps: Deps;
  /** The local gateway over the real route table, for scenarios that speak HTTP as clients do. */
  readonly api: TestApi;
  readonly sandbox: StripeSandbox;
  readonly scale: Scale;
  /** The SQS endpoint of the stack (fauxqs). */
  readonly sqsEndpoint: string;
  readonly progress: (done: number, total: number) => void;
}

export interface Scenario {
  readonly name: string;
  /** What it does, one line for the report. */
  readonly what: string;
  run(ctx: ProofContext): Promise<ScenarioResult>;
}

export const pick = <T>(scale: Scale, small: T, full: T): T => (scale === 'small' ? small : full);

/**
 * The plain contract the scenarios draft: USD, one postpaid commitment for the term, a flat discount,
 * no fee, no included usage, net 0, back to the free plan at its end, the rest waived on termination.
 */
export const postpaidContract = (c: {
  name: string;
  termStart: string;
  termEnd: string;
  commitMinor: number;
  discountPercent: string;
}): ContractTerms => ({
  name: c.name,
  currency: 'USD',
  termStart: c.termStart,
  termEnd: c.termEnd,
  commit: { type: 'postpaid', years: [{ amountMinor: c.commitMinor }] },
  rates: { discountPercent: c.discountPercent, overrides: [] },
  platformFeeMinor: 0,
  included: {},
  netDays: 0,
  onEnd: { planId: 'free' },
  onTermination: 'waive',
});

/** A fresh org per scenario (or trial): no scenario sees another's data. */
export async function newOrg(deps: Deps, prefix: string): Promise<string> {
  const orgId = `org_${prefix}_${ulid().toLowerCase()}`.slice(0, 64);
  await provisionOrg(deps, { actor: { type: 'system', id: 'proof' } }, { orgId, name: prefix, defaultCurrency: 'USD' });
  return orgId;
}

/** A seeded PRNG, so a failing run can be replayed from its seed. */
export { mulberry32 as prng } from '../../scripts/support/prng';
export { sqsEvent } from '../support/sqs-event';

export function shuffle<T>(xs: readonly T[], rand: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export class Violations {
  count = 0;
  readonly examples: string[] = [];
  add(what: string, n = 1) {
    if (n <= 0) return;
    this.count += n;
    if (this.examples.length < Number(process.env.PROOF_EXAMPLES ?? 5)) this.examples.push(what);
  }
}

/**
 * A crash at one point of a write path, injected below the use cases: the `at`-th DynamoDB call after
 * arming fails, either BEFORE it is sent (nothing of it happened) or AFTER DynamoDB answered (it
 * committed, and the caller sees an error as if the response was lost). Added at the SDK's initialize
 * step, above its retry middleware, so the SDK cannot retry it away: the use case sees the failure.
 */
export function crashInjector(db: Deps['db'], name: string) {
  let armed: { at: number; when: 'before' | 'after' } | undefined;
  let calls = 0;
  let fired = false;
  const crash = () => Object.assign(new Error(`injected crash (${name})`), { name: 'TimeoutError', $metadata: {} });
  db.middlewareStack.add(
    ((next: (a: unknown) => Promise<unknown>) => async (args: unknown) => {
      calls += 1;
      if (!armed || fired || calls !== armed.at) return next(args);
      fired = true;
      if (armed.when === 'before') throw crash();
      await next(args);
      throw crash();
    }) as never,
    { step: 'initialize', name },
  );
  return {
    arm(at: number, when: 'before' | 'after') {
      armed = { at, when };
      calls = 0;
      fired = false;
    },
    /** Stops injecting; answers whether the armed crash happened and how many calls ran since arming. */
    disarm(): { fired: boolean; calls: number } {
      const out = { fired, calls };
      armed = undefined;
      return out;
    },
    remove() {
      db.middlewareStack.remove(name);
    },
  };
}

/**
 * A default card in the org's payment-method mirror, as the Stripe reconciler would have written it: what
 * a paid plan needs, without a round trip through SetupIntents the scenario is not about.
 */
export async function withCard(deps: Deps, orgId: string, id = `pm_${ulid()}`): Promise<string> {
  await deps.db.send(
    new PutCommand({
      TableName: deps.config.tableName,
      Item: item('payment_method', keys.paymentMethod(orgId, id), {
        id,
        orgId,
        type: 'card',
        brand: 'visa',
        last4: '4242',
        isDefault: true,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
      }),
    }),
  );
  return id;
}
