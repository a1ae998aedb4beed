import { acceleratedClock, type Clock, systemClock } from './clock';
import { loadConfig, type RuntimeConfig } from './config';
import { DynamoBillingStatusStore } from './dynamo/billing-status-store';
import { createDocumentClient } from './dynamo/client';
import { DynamoFreezeReasonStore } from './dynamo/freeze-gate-store';
import { DynamoIdempotencyStore } from './dynamo/idempotency-store';
import { DynamoRateLimiter } from './dynamo/rate-limiter';
import { ulidGenerator } from './ids';
import type { BillingStatusReader, IdGenerator } from './ports';

/**
 * What every capability's composition root starts from: configuration, the one DynamoDB client, the
 * product clock, ids, the Idempotency-Key store the HTTP wrapper uses, and the org's billing standing
 * (the freeze gate's item). Built once per cold start: module scope survives between invocations of a
 * warm Lambda, and the local runtime imports each handler once.
 */
export interface Kernel {
  readonly config: RuntimeConfig;
  readonly db: ReturnType<typeof createDocumentClient>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly idempotency: DynamoIdempotencyStore;
  /** Per-org budgets of the routes the route table marks with `rateLimit`. */
  readonly rateLimiter: DynamoRateLimiter;
  readonly billingStatus: BillingStatusReader;
  readonly freezeReasons: DynamoFreezeReasonStore;
}

export function buildKernel(config: RuntimeConfig = loadConfig(), clock?: Clock): Kernel {
  const db = createDocumentClient(config);
  const table = config.tableName;
  return {
    config,
    db,
    clock: clock ?? productClock(config),
    ids: ulidGenerator(),
    idempotency: new DynamoIdempotencyStore(db, table),
    rateLimiter: new DynamoRateLimiter(db, table),
    billingStatus: new DynamoBillingStatusStore(db, table),
    freezeReasons: new DynamoFreezeReasonStore(db, table),
  };
}

/** The product clock: real time, or locally started at `CLOCK_START` and/or running `CLOCK_FACTOR`× faster. */
export function productClock(config: Pick<RuntimeConfig, 'clockFactor' | 'clockStart' | 'clockAnchorMs'>): Clock {
  if (config.clockFactor === 1 && !config.clockStart) return systemClock;
  const anchor = config.clockAnchorMs ?? Date.now();
  return acceleratedClock(config.clockFactor, new Date(config.clockStart ?? anchor), anchor);
}

let current: Kernel | undefined;

export function kernel(): Kernel {
  current ??= buildKernel();
  return current;
}

/** Tests replace the process-wide kernel (e.g. to inject a clock) and restore it after. */
export function setKernelForTesting(next: Kernel | undefined): void {
  current = next;
}

/**
 * A capability's composition root: `deps()` builds the capability's dependencies from the kernel on
 * first use (again after a test swapped the kernel), `buildDeps` builds a fresh set from a config and
 * clock, and `setDepsForTesting` replaces them (undefined restores the real ones). Each capability's
 * `compose.ts` makes one; its handlers import only that, so a Lambda bundles only its capability.
 */
export function compositionRoot<T>(build: (kernel: Kernel) => T) {
  const built = new WeakMap<Kernel, T>();
  let replaced: T | undefined;
  return {
    deps(): T {
      if (replaced) return replaced;
      const k = kernel();
      let found = built.get(k);
      if (!found) {
        found = build(k);
        built.set(k, found);
      }
      return found;
    },
    buildDeps: (config?: RuntimeConfig, clock?: Clock): T => build(buildKernel(config, clock)),
    setDepsForTesting(next: T | undefined): void {
      replaced = next;
    },
  };
}
