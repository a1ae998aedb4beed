// Stops the test stack's whole process group (the JVM included) and waits for it to go.
export default async function globalTeardown() {
  const child = globalThis.__testStack;
  if (!child || child.exitCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    child.kill('SIGTERM');
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }, 5000);
  await gone;
  clearTimeout(timer);
}
