// Stops the test stack's whole process group (SIGTERM: it stops DynamoDB Local and fauxqs and exits),
// SIGKILL after a grace period; closing its stdin is the backstop (see global-setup.mjs).
export default async function globalTeardown() {
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
