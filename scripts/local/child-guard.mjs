// Runs one command and ties its life to the parent's: `node child-guard.mjs <command> [args…]`.
//
// Why: the supervisor (scripts/local/processes.ts) kills every child on a clean shutdown, but if the
// runtime itself is SIGKILLed, OOM-killed or its terminal closes, no handler runs and a JVM would be
// left listening on its port. The supervisor hands this guard a stdin pipe; the kernel closes that pipe
// when the parent dies however it dies, so 'end' on stdin is a reliable "parent is gone" signal. The
// command runs in the guard's process group (the supervisor makes the guard a group leader), so a
// signal to the group reaches both. Plain .mjs with no dependencies: it must start fast under any
// loader (tsx, jest, plain node).
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('child-guard: no command given\n');
  process.exit(2);
}

const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
let stopping = false;

function stop(signal) {
  if (stopping) return;
  stopping = true;
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  // A child that ignores SIGTERM is killed after a grace period; the guard never outlives it long.
  setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, 3000).unref();
}

child.once('error', (error) => {
  process.stderr.write(`child-guard: could not start ${command}: ${error.message}\n`);
  process.exit(127);
});
child.once('exit', (code, signal) => {
  process.exit(code ?? (signal ? 128 + (signal === 'SIGKILL' ? 9 : 15) : 1));
});
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => stop('SIGTERM'));
process.stdin.on('end', () => stop('SIGTERM'));
process.stdin.on('close', () => stop('SIGTERM'));
process.stdin.on('error', () => stop('SIGTERM'));
process.stdin.resume();
