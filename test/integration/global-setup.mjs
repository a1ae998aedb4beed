// Starts the integration tests' DynamoDB Local + fauxqs (scripts/local/test-stack.ts) in a child
// process and exports their endpoints to the test workers through process.env (jest starts the workers
// after globalSetup, and they inherit this environment).
//
// Why a child process: globalSetup is plain .mjs and cannot import the TypeScript runtime modules, and a
// detached child in its own process group can be stopped as one unit (the JVM included) by the
// teardown. Its stdin is a pipe from this process: if jest dies without running the teardown (Ctrl-C,
// crash), the pipe closes and the stack stops itself. Jest runs globalSetup and globalTeardown in the
// same process, so the child is handed over on globalThis.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// The first run on a clean clone also fetches DynamoDB Local with `npm pack` (a few seconds).
const START_TIMEOUT_MS = 180_000;

export default async function globalSetup() {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/local/test-stack.ts'], {
    cwd: root,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, LOCAL_QUIET: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  child.stdin.on('error', () => {});
  globalThis.__testStack = child;
  let stderr = '';
  const collect = (chunk) => {
    stderr = (stderr + chunk).slice(-20_000);
  };
  child.stderr.on('data', collect);
  const env = await new Promise((resolveEnv, reject) => {
    let stdout = '';
    const timer = setTimeout(
      () => reject(new Error(`the test stack did not start within ${START_TIMEOUT_MS / 1000} s\n${stderr}`)),
      START_TIMEOUT_MS,
    );
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolveEnv(JSON.parse(line));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the test stack exited with code ${code} before it was ready\n${stderr}`));
    });
  });
  // From here on, pass the stack's own warnings and errors through (it is quiet otherwise) and do not
  // keep its output in memory.
  child.stderr.off('data', collect);
  child.stderr.on('data', (chunk) => process.stderr.write(chunk));
  child.stdout.resume();
  Object.assign(process.env, env);
  // Where the test gateways record the routes they served (global-teardown reads it).
  process.env.ROUTE_HITS_DIR = mkdtempSync(`${tmpdir()}/route-hits-`);
  process.stderr.write(
    `\nlocal test stack ready in ${Date.now() - started} ms (DynamoDB Local ${env.DYNAMODB_ENDPOINT}, fauxqs ${env.SQS_ENDPOINT})\n`,
  );
}
