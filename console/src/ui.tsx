import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type ApiClient, ApiError, type Capabilities } from './api';
import type { Session } from './auth';
import type { ConsoleConfig } from './config';

/** What every page gets: the API client, what the API and this role can do, and the session. */
export interface PageContext {
  api: ApiClient;
  caps: Capabilities;
  session: Session;
  config: ConsoleConfig;
  /** The query part of the page's hash route (`#/usage?from=…`), and a way to change it. */
  query: URLSearchParams;
  setQuery(next: Record<string, string>): void;
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/** Runs a loader on mount and whenever `deps` change; `reload()` runs it again (after a write). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const current = useRef(0);
  const lastDeps = useRef<string | undefined>(undefined);
  useEffect(() => {
    const run = ++current.current;
    // A reload after a write keeps showing the data it replaces; new inputs (another window, another
    // measure) must not render the old answer under the new heading, so their data starts empty.
    const depsKey = JSON.stringify(deps);
    const sameInputs = lastDeps.current === depsKey;
    lastDeps.current = depsKey;
    setState((s) => (sameInputs ? { ...s, loading: true } : { loading: true }));
    load().then(
      (data) => run === current.current && setState({ data, loading: false }),
      (error: unknown) => run === current.current && setState({ error, loading: false }),
    );
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const details = Array.isArray(error.details)
      ? ` (${(error.details as { path?: string; message?: string }[])
          .map((d) => [d.path, d.message].filter(Boolean).join(': '))
          .join('; ')})`
      : '';
    return `${error.message}${details} [${error.code}]`;
  }
  return error instanceof Error ? error.message : String(error);
}

export function ErrorNotice({ error, title = 'Something went wrong' }: { error: unknown; title?: string }) {
  return (
    <div class="notice notice-error" role="alert">
      <strong>{title}.</strong> {errorText(error)}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

/** Shows the loader's error, a loading line, or its data. */
export function Show<T>({
  loaded,
  what,
  children,
}: {
  loaded: Loaded<T>;
  what: string;
  children: (data: T) => ComponentChildren;
}) {
  if (loaded.error) return <ErrorNotice error={loaded.error} title={`Could not load ${what}`} />;
  if (loaded.data === undefined) return <Loading what={what} />;
  return <>{children(loaded.data)}</>;
}

export function Section({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section class="card" aria-labelledby={id ? `${id}-title` : undefined} id={id}>
      <h2 id={id ? `${id}-title` : undefined}>{title}</h2>
      {children}
    </section>
  );
}

/** A key/value list (`<dl>`) with test-friendly ids on each value. */
export function Facts({ items }: { items: [string, ComponentChildren, string?][] }) {
  return (
    <dl class="facts">
      {items.map(([label, value, testId]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd data-testid={testId}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * A write the user confirms after reading its consequences: the button opens the statement, and only
 * "Confirm" sends. Busy and error states are announced (`role=status` / `role=alert`).
 */
export function ConfirmAction({
  label,
  consequences,
  confirmLabel,
  run,
  onDone,
  announce,
  danger = false,
}: {
  label: string;
  consequences: ComponentChildren;
  confirmLabel: string;
  run: () => Promise<ComponentChildren | undefined>;
  onDone?: () => void;
  /**
   * Where the outcome is shown when this button may not survive the reload that follows (an upgrade's
   * button leaves with the plan it offered); without it, the outcome shows beside the button.
   */
  announce?: (outcome: ComponentChildren) => void;
  danger?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [result, setResult] = useState<ComponentChildren>();
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (open) confirmRef.current?.focus();
  }, [open]);
  if (!open) {
    return (
      <div class="action">
        <button
          type="button"
          class={danger ? 'danger' : ''}
          onClick={() => {
            setOpen(true);
            setError(undefined);
            setResult(undefined);
          }}
        >
          {label}
        </button>
        {result ? (
          <div class="notice notice-ok" role="status">
            {result}
          </div>
        ) : null}
      </div>
    );
  }
  return (
    <fieldset class="confirm">
      <legend>{label}: what happens</legend>
      <div class="consequences">{consequences}</div>
      {error ? <ErrorNotice error={error} title="Not done" /> : null}
      <div class="buttons">
        <button
          type="button"
          ref={confirmRef}
          class={danger ? 'danger' : 'primary'}
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            setError(undefined);
            try {
              const done = await run();
              setOpen(false);
              if (announce) announce(done ?? 'Done.');
              else setResult(done ?? 'Done.');
              onDone?.();
            } catch (e) {
              setError(e);
            } finally {
              setBusy(false);
            }
          }}
        >
          {busy ? 'Working…' : confirmLabel}
        </button>
        <button type="button" disabled={busy} onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </fieldset>
  );
}

/** Polls until `check` returns a value (the webhook-fed mirrors update a moment after Stripe). */
export async function until<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000, everyMs = 400): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('Stripe has not confirmed it yet: reload the page in a moment.');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
