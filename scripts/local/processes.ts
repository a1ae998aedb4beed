import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { log } from './log';

/**
 * Child-process supervision for the local runtime: every child runs in its own process group so the
 * whole group (a JVM, a tsx wrapper and its node) can be signalled; on Ctrl-C, SIGTERM, an uncaught
 * error or a child dying unexpectedly, everything is stopped — TERM first, KILL after a grace period —
 * so no Java or queue process outlives the runtime.
 */
export class Supervisor {
  private readonly children = new Map<string, ChildProcess>();
  private readonly cleanups: (() => Promise<void> | void)[] = [];
  private stopping?: Promise<void>;

  constructor(private readonly onUnexpectedExit: (name: string, code: number | null) => void = () => {}) {}

  spawn(name: string, command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn(command, args, { ...options, detached: true });
    this.children.set(name, child);
    child.once('exit', (code, signal) => {
      this.children.delete(name);
      if (!this.stopping) {
        log('ERROR', `${name} exited unexpectedly`, { code, signal });
        this.onUnexpectedExit(name, code);
      }
    });
    return child;
  }

  /** Registers an in-process resource (a server, a poller) to close on shutdown, in reverse order. */
  onStop(cleanup: () => Promise<void> | void): void {
    this.cleanups.push(cleanup);
  }

  /** Stops everything once; later calls wait for the first. */
  stop(graceMs = 4000): Promise<void> {
    this.stopping ??= (async () => {
      for (const cleanup of [...this.cleanups].reverse()) {
        try {
          await cleanup();
        } catch (error) {
          log('WARN', 'cleanup failed', { error: String(error) });
        }
      }
      await Promise.all([...this.children.entries()].map(([name, child]) => terminate(name, child, graceMs)));
    })();
    return this.stopping;
  }

  /** Stops on SIGINT/SIGTERM and on an uncaught error, then exits. */
  installSignalHandlers(): void {
    const shutdown = (code: number) => () => {
      void this.stop().then(() => process.exit(code));
    };
    process.once('SIGINT', shutdown(0));
    process.once('SIGTERM', shutdown(0));
    process.once('uncaughtException', (error) => {
      log('ERROR', 'uncaught exception', { error: String(error?.stack ?? error) });
      shutdown(1)();
    });
    // Last resort if the process exits some other way: signal the groups synchronously.
    process.once('exit', () => {
      for (const child of this.children.values()) killGroup(child, 'SIGKILL');
    });
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

function terminate(name: string, child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      log('WARN', `${name} ignored SIGTERM; killing`);
      killGroup(child, 'SIGKILL');
    }, graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    killGroup(child, 'SIGTERM');
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Fails with a clear message when a configured port is already taken. */
export function assertPortFree(port: number, what: string, envVar: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `port ${port} for ${what} is taken: stop what uses it or set ${envVar} to another port`
            : String(error),
        ),
      ),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000}s`);
}
