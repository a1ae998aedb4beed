import { DynamoAuditLog } from './adapters/dynamo/audit-log';
import { DynamoBillingStatusStore } from './adapters/dynamo/billing-status-store';
import { createDocumentClient } from './adapters/dynamo/client';
import { DynamoIdempotencyStore } from './adapters/dynamo/idempotency-store';
import { DynamoOrgStore } from './adapters/dynamo/org-store';
import { ulidGenerator } from './adapters/system/ids';
import type { CoreDeps } from './app/ports';
import { loadConfig, type RuntimeConfig } from './config';
import { acceleratedClock, type Clock, systemClock } from './domain/clock';

/**
 * Builds the real dependencies once per cold start (module scope survives between invocations of a
 * warm Lambda, and the local runtime imports each handler once). Handlers call `deps()`; tests may
 * call `buildDeps` with their own config or clock.
 */
export interface Deps extends CoreDeps {
  readonly config: RuntimeConfig;
  readonly db: ReturnType<typeof createDocumentClient>;
  readonly idempotency: DynamoIdempotencyStore;
}

export function buildDeps(config: RuntimeConfig = loadConfig(), clock?: Clock): Deps {
  const db = createDocumentClient(config);
  const table = config.tableName;
  return {
    config,
    db,
    clock: clock ?? (config.clockFactor !== 1 ? acceleratedClock(config.clockFactor) : systemClock),
    ids: ulidGenerator(),
    orgs: new DynamoOrgStore(db, table),
    billingStatus: new DynamoBillingStatusStore(db, table),
    audit: new DynamoAuditLog(db, table),
    idempotency: new DynamoIdempotencyStore(db, table),
  };
}

let cached: Deps | undefined;

export function deps(): Deps {
  cached ??= buildDeps();
  return cached;
}

/** Tests replace the process-wide dependencies (e.g. to inject a clock) and restore them after. */
export function setDepsForTesting(next: Deps | undefined): void {
  cached = next;
}
