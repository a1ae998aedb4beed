import { type ChildProcess, type IOType, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { log } from './log';

/**
 * Child-process supervision for the local runtime. Rules, so that no JVM or queue server outlives it:
 *  - every child is a process-group leader (`detached`), so a signal to the group also reaches what the
 *    child spawned (a JVM under a wrapper, node under tsx);
 *  - shutdown (Ctrl-C, SIGTERM, an uncaught error, a normal exit, a child dying unexpectedly) closes the
 *    in-process parts first, then sends SIGTERM to each group and SIGKILL after a grace period;
 *  - if the runtime dies without running any handler (SIGKILL, OOM), each child notices its stdin pipe
 *    closing: non-node commands run under child-guard.mjs, which does that for them; node launchers
 *    of ours call `exitWhenStdinCloses` themselves (`selfGuarded`).
 */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SupervisedSpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Where the child's stdout and stderr go: a file descriptor (a log file), 'ignore', 'inherit' or 'pipe'. */
  stdout?: IOType | number;
  stderr?: IOType | number;
  /** The command is one of our node launchers that watches its own stdin: no guard process needed. */
  selfGuarded?: boolean;
  /**
   * false: an exit is not reported as unexpected until `arm()` is called. For children whose start-up
   * the caller watches itself (through `exited`), so a failed start can be retried on another port.
   */
  armed?: boolean;
}

export interface SupervisedChild {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves when the child (the guard, and so the command) has exited, whatever the reason. */
  readonly exited: Promise<ChildExit>;
  /** From now on an exit is unexpected (reported, and the owner told). */
  arm(): void;
}

const GUARD = join(__dirname, 'child-guard.mjs');

export class Supervisor {
  private readonly children = new Map<string, SupervisedChild>();
  private readonly cleanups: { name: string; run: () => Promise<void> | void }[] = [];
  private stopping?: Promise<void>;

  /** `onUnexpectedExit` runs when a child exits while the supervisor is not stopping. */
  constructor(private readonly onUnexpectedExit: (name: string, exit: ChildExit) => void = () => {}) {}

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  spawn(name: string, command: string, args: readonly string[], options: SupervisedSpawnOptions = {}): SupervisedChild {
    if (this.stopping) throw new Error(`cannot start ${name}: the runtime is shutting down`);
    const previous = this.children.get(name);
    if (previous && previous.process.exitCode === null && previous.process.signalCode === null) {
      throw new Error(`a child named ${name} is already running`);
    }
    const [file, argv] = options.selfGuarded ? [command, args] : [process.execPath, [GUARD, command, ...args]];
    const child = spawn(file, argv, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['pipe', options.stdout ?? 'ignore', options.stderr ?? 'ignore'],
    });
    // The pipe is only a lifeline: nothing is ever written to it. Errors on it (EPIPE once the child is
    // gone) are expected and must not become an uncaught exception.
    child.stdin?.on('error', () => {});
    const exited = new Promise<ChildExit>((resolve) => {
      child.once('error', (error) => {
        log('ERROR', `${name} could not be started`, { error: error.message });
        resolve({ code: 127, signal: null });
      });
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    let armed = options.armed ?? true;
    const supervised: SupervisedChild = { name, process: child, exited, arm: () => (armed = true) };
    this.children.set(name, supervised);
    void exited.then((exit) => {
      // Not ours to report if it was stopped on purpose (stopChild removed it first).
      if (this.children.get(name) !== supervised) return;
      // Kept in the map: the leader is gone, but what it started may not be (a guard killed on its own
      // leaves its JVM behind in the group), and stop() must still sweep that group.
      if (!this.stopping && armed) {
        log('ERROR', `${name} exited unexpectedly`, { child: name, ...exit });
        this.onUnexpectedExit(name, exit);
      }
    });
    return supervised;
  }

  /** Registers an in-process part (a server, a poller) to close on shutdown; they close in reverse order. */
  onStop(name: string, cleanup: () => Promise<void> | void): void {
    this.cleanups.push({ name, run: cleanup });
  }

  /** Stops everything once; later calls return the same promise. */
  stop(graceMs = 4000): Promise<void> {
    this.stopping ??= (async () => {
      for (const cleanup of [...this.cleanups].reverse()) {
        try {
          await cleanup.run();
        } catch (error) {
          log('WARN', 'cleanup failed', { part: cleanup.name, error: String(error) });
        }
      }
      await Promise.all([...this.children.values()].map((c) => terminate(c, graceMs)));
    })();
    return this.stopping;
  }

  /** Stops one child on purpose (not reported as unexpected); the others keep running. */
  async stopChild(name: string, graceMs = 4000): Promise<void> {
    const c = this.children.get(name);
    if (!c) return;
    this.children.delete(name);
    await terminate(c, graceMs);
  }

  /** Synchronous last resort (process 'exit'): SIGKILL every child's group. */
  killAllNow(): void {
    for (const c of this.children.values()) if (c.process.pid !== undefined) signalGroup(c.process.pid, 'SIGKILL');
  }

  /**
   * Stops and exits on SIGINT/SIGTERM/SIGHUP (a second Ctrl-C kills at once) and on an uncaught
   * exception (which, with Node's default, includes an unhandled rejection); kills the children
   * synchronously if the process exits any other way.
   */
  installSignalHandlers(): void {
    let firstSignalAt: number | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (firstSignalAt !== undefined) {
        // tsx relays the terminal's SIGINT to the process that already got it from the terminal: a
        // repeat within a second is that echo, not the user pressing Ctrl-C again.
        if (Date.now() - firstSignalAt < 1000) return;
        log('WARN', 'second signal: killing everything now', { signal });
        this.killAllNow();
        process.exit(130);
      }
      firstSignalAt = Date.now();
      log('INFO', 'shutting down', { signal });
      void this.stop().then(() => process.exit(0));
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
    process.on('uncaughtException', (error) => {
      log('ERROR', 'uncaught exception: shutting down', { error: String(error?.stack ?? error) });
      void this.stop().then(() => process.exit(1));
    });
    process.once('exit', () => this.killAllNow());
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* the group is empty */
  }
}

/**
 * True while a live process is left in the group (the leader may be gone while what it started lives).
 * On Linux, /proc is read so that zombies do not count: an orphan that died is reparented to PID 1, which
 * in a container or microVM may reap it late, and kill(-pgid, 0) would still "see" it.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue; // exited while we looked
      }
      // "pid (comm) state ppid pgrp …": comm may contain spaces and parentheses, so split after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
    }
    return false;
  } catch {
    return true;
  }
}

/**
 * SIGTERM to the child's whole group, SIGKILL after the grace period; done when the group is empty —
 * not merely when the leader exited: if the guard was killed on its own, its JVM is still in the group.
 */
async function terminate(c: SupervisedChild, graceMs: number): Promise<void> {
  const pgid = c.process.pid;
  if (pgid === undefined) return;
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) {
      log('WARN', `${c.name} ignored SIGTERM for ${graceMs} ms: killing it`, { child: c.name });
      signalGroup(pgid, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  await Promise.race([c.exited, new Promise((r) => setTimeout(r, 1000))]);
}

/**
 * For a node process started with a stdin pipe by its parent (the test stack, our launchers): run
 * `onClose` when the pipe closes, i.e. when the parent has died, however it died.
 */
export function exitWhenStdinCloses(onClose: () => void): void {
  let fired = false;
  const fire = () => {
    if (fired) return;
    fired = true;
    onClose();
  };
  process.stdin.on('end', fire);
  process.stdin.on('close', fire);
  process.stdin.on('error', fire);
  process.stdin.resume();
}

/**
 * Waits for the first JSON line a child prints on stdout (its "ready" line, e.g. `{"port":1234}`), then
 * keeps draining stdout so the pipe never fills. Fails if the child exits first or after `timeoutMs`.
 */
export function readyLine<T>(child: SupervisedChild, what: string, timeoutMs = 30_000): Promise<T> {
  const stdout = child.process.stdout;
  if (!stdout) return Promise.reject(new Error(`${what}: spawn it with stdout: 'pipe'`));
  return new Promise<T>((resolve, reject) => {
    let buffered = '';
    let done = false;
    const timer = setTimeout(
      () => finish(new Error(`${what} did not become ready within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    function finish(error: Error | undefined, value?: T) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stdout!.off('data', onData);
      stdout!.resume();
      if (error) reject(error);
      else resolve(value as T);
    }
    function onData(chunk: Buffer) {
      buffered += chunk.toString('utf8');
      const complete = buffered.split('\n').slice(0, -1); // the last piece may be half a line
      const line = complete.find((l) => l.trim().startsWith('{'));
      if (!line) return;
      try {
        finish(undefined, JSON.parse(line) as T);
      } catch (error) {
        finish(new Error(`${what} printed an unreadable ready line: ${line} (${String(error)})`));
      }
    }
    stdout.on('data', onData);
    void child.exited.then((exit) =>
      finish(new Error(`${what} exited before it was ready (code ${exit.code}, signal ${exit.signal})`)),
    );
  });
}

/** A port that was free a moment ago (the OS picks it). Callers must tolerate losing a race for it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export class PortTakenError extends Error {
  override readonly name = 'PortTakenError';
}

/** Fails with a clear, actionable message when a configured port is already taken. */
export function assertPortFree(port: number, what: string, envVar?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES'
          ? new PortTakenError(
              `port ${port} for ${what} is ${error.code === 'EACCES' ? 'not allowed' : 'already in use'}: ` +
                `stop what uses it (\`ss -ltnp 'sport = :${port}'\` shows it)` +
                (envVar ? ` or choose another port with ${envVar}=<port>` : ''),
            )
          : error,
      ),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

/**
 * Polls `probe` until it returns true. Fails fast if `exited` settles first (the process we wait for
 * died: waiting out the timeout would only hide the reason), and after `timeoutMs` otherwise.
 */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  options: { timeoutMs?: number; exited?: Promise<ChildExit>; intervalMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  // A holder object, not a `let`: the callback assigns it, which control-flow narrowing cannot see.
  const state: { died?: ChildExit } = {};
  void options.exited?.then((exit) => {
    state.died = exit;
  });
  const check = () => {
    if (state.died) {
      throw new Error(`${what} exited before it was ready (code ${state.died.code}, signal ${state.died.signal})`);
    }
  };
  while (Date.now() < deadline) {
    check();
    if (await probe().catch(() => false)) {
      check(); // answered, but the process we started is gone: something else holds that port
      return;
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s`);
}
