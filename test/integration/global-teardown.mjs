import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

// Stops the test stack's whole process group (SIGTERM: it stops DynamoDB Local and fauxqs and exits),
// SIGKILL after a grace period; closing its stdin is the backstop (see global-setup.mjs). Then, on a full
// run, fails it if a route of the route table was never requested (its handler never answered a test).
export default async function globalTeardown(globalConfig) {
  await stopStack();
  assertEveryRouteRequested(globalConfig);
}

/** A run of the whole integration project: no file, name or changed-files filter. */
function fullRun(globalConfig) {
  const patterns = globalConfig.testPathPatterns?.patterns ?? globalConfig.testPathPattern ?? [];
  return (
    (Array.isArray(patterns) ? patterns.length === 0 : !patterns) &&
    !globalConfig.testNamePattern &&
    (globalConfig.nonFlagArgs ?? []).length === 0 &&
    !globalConfig.onlyChanged &&
    !globalConfig.findRelatedTests &&
    !globalConfig.lastCommit
  );
}

function assertEveryRouteRequested(globalConfig) {
  const dir = process.env.ROUTE_HITS_DIR;
  if (!dir) return;
  const served = new Set(
    readdirSync(dir).flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean)),
  );
  rmSync(dir, { recursive: true, force: true });
  if (!fullRun(globalConfig) || !process.env.ROUTE_IDS) return;
  const never = process.env.ROUTE_IDS.split(',').filter((id) => !served.has(id));
  if (never.length > 0) {
    throw new Error(`every route must be requested by an integration test; never requested: ${never.join(', ')}`);
  }
  process.stderr.write(`every one of the ${served.size} routes was requested by an integration test\n`);
}

async function stopStack() {
  const child = globalThis.__testStack;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  const signal = (name) => {
    try {
      process.kill(-child.pid, name);
    } catch {
      try {
        child.kill(name);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  child.stdin.end();
  const timer = setTimeout(() => signal('SIGKILL'), 8000);
  await gone;
  clearTimeout(timer);
}
