import type { EventLog, RequestInfo } from './events';
import type { Params } from './params';
import type { Store } from './store';

/** What a Stripe API handler gets: the state, the parsed parameters, and a way to emit events. */
export interface ApiContext {
  readonly store: Store;
  readonly params: Params;
  readonly pathParams: Readonly<Record<string, string>>;
  readonly request: RequestInfo;
  emit(type: string, object: { id: string }, previousAttributes?: Record<string, unknown>): void;
  /** Side effects to run once the response is out (a dispute opening "right after" the charge). */
  readonly events: EventLog;
}

/** Handlers are synchronous: a request's checks and changes happen atomically, as a Stripe API call. */
export type ApiHandler = (ctx: ApiContext) => unknown;

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  pattern: string;
  handler: ApiHandler;
  regex: RegExp;
  keys: string[];
}

export function route(method: Route['method'], pattern: string, handler: ApiHandler): Route {
  const keys: string[] = [];
  const source = pattern.replace(/:([a-z_]+)/g, (_, key: string) => {
    keys.push(key);
    return '([^/]+)';
  });
  return { method, pattern, handler, regex: new RegExp(`^${source}$`), keys };
}

export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; pathParams: Record<string, string> } | undefined {
  for (const r of routes) {
    if (r.method !== method) continue;
    const m = r.regex.exec(path);
    if (!m) continue;
    const pathParams: Record<string, string> = {};
    r.keys.forEach((k, i) => {
      pathParams[k] = decodeURIComponent(m[i + 1]!);
    });
    return { route: r, pathParams };
  }
  return undefined;
}
