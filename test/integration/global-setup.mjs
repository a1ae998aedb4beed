// Starts the integration tests' DynamoDB Local + fauxqs (scripts/local/test-stack.ts) as one child
// process group and exports their endpoints to the test workers through process.env. Jest runs
// globalSetup and globalTeardown in the same process, so the child is kept on globalThis.
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export default async function globalSetup() {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/local/test-stack.ts'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOCAL_QUIET: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  globalThis.__testStack = child;
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const env = await new Promise((resolveEnv, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`test stack did not start in 120 s\n${stderr}`)), 120_000);
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
      reject(new Error(`test stack exited with ${code}\n${stderr}`));
    });
  });
  Object.assign(process.env, env);
  process.stderr.write(
    `\ntest stack ready in ${Date.now() - started} ms (DynamoDB Local ${env.DYNAMODB_ENDPOINT}, SQS ${env.SQS_ENDPOINT})\n`,
  );
}
