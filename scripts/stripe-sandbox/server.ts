import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { customerRoutes } from './api-customers';
import { eventRoutes } from './api-events';
import { invoiceRoutes } from './api-invoices';
import { paymentRoutes } from './api-payments';
import { SandboxClock } from './clock';
import { createControl, handleControl, type SandboxControl } from './control';
import type { Effects } from './disputes';
import { disputeRoutes } from './disputes';
import { StripeApiError, type StripeErrorBody, unrecognizedUrl } from './errors';
import { API_VERSION, AUTOMATIC, EventLog, type RequestInfo } from './events';
import { Faults } from './faults';
import { canonicalJson, FormError, parseForm } from './form';
import { readBody, sendJson, sleep } from './http';
import { randomToken, withClock } from './ids';
import { Params } from './params';
import { captureState, readStateFile, restoreState, StateWriter, type StoredResponse } from './persistence';
import { authorizePublishable, CORS_HEADERS } from './publishable';
import { type ApiContext, matchRoute, type Route } from './router';
import { Store } from './store';
import { WebhookDispatcher } from './webhooks';

export interface StripeSandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Where events are POSTed; none means events are only recorded (GET /v1/events). */
  webhookUrl?: string;
  /** The endpoint's signing secret (`whsec_…`), as `stripe.webhooks.constructEvent` will verify. */
  webhookSecret: string;
  /** The one secret key accepted; without it any `sk_test_…` key is. */
  apiKey?: string;
  /**
   * Wait before each webhook retry; after the last one a delivery is `failed` (Stripe gives up after
   * 3 days). Default: {@link DEFAULT_RETRY_DELAYS_MS}. Tests pass a few milliseconds.
   */
  deliveryRetryDelaysMs?: number[];
  /** @deprecated the first name of `deliveryRetryDelaysMs`, still read (callers outside this folder use it). */
  retryDelaysMs?: number[];
  /**
   * The account's time: objects' `created`, `status_transitions`, `due_by`… (default: the system
   * clock). `control.advanceClock` / `setClock` move it further. Signatures always use real time.
   */
  clock?: () => Date;
  log?: (line: string) => void;
  /**
   * A JSON file that keeps the account across restarts (customers, payment methods, intents, charges,
   * disputes, invoices, events, idempotency records, the clock's offset): loaded at start if it exists
   * (an unusable file is an error), saved shortly after each change and on close(). Webhook deliveries
   * are not kept. Without it the state lives in memory only.
   */
  stateFile?: string;
}

export interface StripeSandbox {
  url: string;
  port: number;
  close(): Promise<void>;
  control: SandboxControl;
}

/**
 * Stripe retries for three days with growing gaps; locally the receiver is usually just restarting,
 * so the default doubles from 1 s and is capped at 30 s, for about half an hour in all.
 */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [
  1_000,
  2_000,
  4_000,
  8_000,
  16_000,
  ...Array.from({ length: 60 }, () => 30_000),
];

export async function startStripeSandbox(options: StripeSandboxOptions): Promise<StripeSandbox> {
  if (!options.webhookSecret) throw new Error('webhookSecret is required');
  const store = new Store();
  const clock = new SandboxClock(options.clock);
  const idempotency = new Map<string, StoredResponse>();
  const saved = options.stateFile ? readStateFile(options.stateFile) : undefined;
  if (saved) restoreState(saved, store, idempotency, clock);
  const writer = options.stateFile
    ? new StateWriter(options.stateFile, () => captureState(store, idempotency, clock), options.log)
    : undefined;
  const changed = () => writer?.changed();
  const dispatcher = new WebhookDispatcher({
    url: options.webhookUrl,
    secret: options.webhookSecret,
    retryDelaysMs: [...(options.deliveryRetryDelaysMs ?? options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS)],
    ...(options.log ? { log: options.log } : {}),
  });
  const events = new EventLog(store, dispatcher);
  const faults = new Faults();
  const effects: Effects = { store, emit: (type, object, previous) => events.emit(type, object, AUTOMATIC, previous) };
  const control = createControl({ store, dispatcher, faults, effects, clock, changed });
  const routes: Route[] = [...customerRoutes, ...paymentRoutes, ...disputeRoutes, ...invoiceRoutes, ...eventRoutes];
  const inFlight = new Set<string>();

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname.replace(/\/+$/, '');
    const requestId = `req_${randomToken(14)}`;
    const idempotencyKey = method === 'POST' ? ((req.headers['idempotency-key'] as string | undefined) ?? null) : null;
    const baseHeaders: Record<string, string> = {
      ...CORS_HEADERS,
      'request-id': requestId,
      'stripe-version': (req.headers['stripe-version'] as string | undefined) ?? API_VERSION,
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    };
    const fail = (status: number, body: StripeErrorBody, extra: Record<string, string> = {}) =>
      sendJson(res, status, { error: { ...body, request_log_url: null } }, { ...baseHeaders, ...extra });

    // Without an Authorization header the caller may be Stripe.js (a publishable key in the form), checked
    // once the form is read below.
    const publishable = !req.headers.authorization;
    const auth = publishable ? undefined : authenticate(req.headers.authorization, options.apiKey);
    if (auth) return fail(401, auth);

    // Stripe locks a key while its first request runs: a second request with the same key meanwhile
    // (a client that timed out and retried) gets 409 idempotency_error, which the SDK retries later.
    // Once the first result is stored, the same key is a replay (below), never a 409.
    const reserved = idempotencyKey !== null && !idempotency.has(idempotencyKey);
    if (reserved && inFlight.has(idempotencyKey)) {
      return fail(409, {
        type: 'idempotency_error',
        message: `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${idempotencyKey}. Please try again later.`,
      });
    }
    if (reserved) inFlight.add(idempotencyKey);
    try {
      const delay = faults.takeDelay(method, path);
      if (delay && delay.phase !== 'after') await sleep(delay.ms);
      const failure = faults.takeFailure(method, path);
      if (failure) {
        return fail(
          failure.status,
          {
            type: failure.type!,
            message: failure.message ?? `Injected failure (${failure.status}) for ${method} ${path}`,
            ...(failure.code ? { code: failure.code } : {}),
            ...(failure.decline_code ? { decline_code: failure.decline_code } : {}),
          },
          failure.shouldRetry === undefined ? {} : { 'stripe-should-retry': String(failure.shouldRetry) },
        );
      }

      let raw: ReturnType<typeof parseForm>;
      try {
        raw = parseForm(method === 'POST' ? await readBody(req) : url.search.slice(1));
      } catch (error) {
        const message = error instanceof FormError ? error.message : 'Invalid request body';
        return fail(400, { type: 'invalid_request_error', message });
      }
      if (publishable) {
        const refused = authorizePublishable(method, path, raw, store, options.apiKey);
        if (refused) return fail(refused.status, refused.body);
      }

      // Idempotency (https://docs.stripe.com/api/idempotent_requests): the first result of a key is
      // saved — errors included, except 5xx, which are safe to retry — and replayed for the same
      // parameters; other parameters under the same key are a 400 idempotency_error.
      const fingerprint = `${method} ${path} ${canonicalJson(raw)}`;
      if (idempotencyKey) {
        const stored = idempotency.get(idempotencyKey);
        if (stored && stored.fingerprint !== fingerprint) {
          return fail(400, {
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
          });
        }
        if (stored) {
          return sendJson(res, stored.status, stored.body, {
            ...baseHeaders,
            'idempotent-replayed': 'true',
            'original-request': stored.requestId,
          });
        }
      }

      const matched = matchRoute(routes, method, path);
      let status = 200;
      let body: unknown;
      if (!matched) {
        const err = unrecognizedUrl(method, path);
        status = err.status;
        body = { error: err.body };
      } else {
        const request: RequestInfo = { id: requestId, idempotencyKey };
        const ctx: ApiContext = {
          store,
          events,
          params: new Params(raw),
          pathParams: matched.pathParams,
          request,
          emit: (type, object, previous) => {
            events.emit(type, object, request, previous);
          },
        };
        try {
          body = withClock(clock.now, () => matched.route.handler(ctx));
          // Responses are copies: later changes must not leak into a stored (replayable) response.
          body = structuredClone(body);
        } catch (error) {
          if (error instanceof StripeApiError) {
            status = error.status;
            body = { error: { ...structuredClone(error.body), request_log_url: null } };
          } else {
            status = 500;
            const message = error instanceof Error ? error.message : String(error);
            options.log?.(`sandbox error on ${method} ${path}: ${message}`);
            body = { error: { type: 'api_error', message: `Sandbox internal error: ${message}` } };
          }
        }
      }
      if (idempotencyKey && status < 500) idempotency.set(idempotencyKey, { fingerprint, status, body, requestId });
      if (method !== 'GET') changed();
      if (delay?.phase === 'after') await sleep(delay.ms);
      sendJson(res, status, body, baseHeaders);
    } finally {
      if (reserved) inFlight.delete(idempotencyKey);
    }
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS_HEADERS).end();
      return;
    }
    const work = url.pathname.startsWith('/_sandbox/')
      ? handleControl(control, req, res, url)
      : handleApi(req, res, url);
    work.catch((error: unknown) => {
      options.log?.(`sandbox failure: ${error instanceof Error ? error.stack : String(error)}`);
      if (!res.headersSent) sendJson(res, 500, { error: { type: 'api_error', message: 'Sandbox failure' } });
      else res.destroy();
    });
  });
  // The SDK keeps connections alive; close() must not wait for idle sockets.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    port: address.port,
    control,
    close: async () => {
      dispatcher.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await writer?.flush();
    },
  };
}

/**
 * Stripe takes the secret key as a Bearer token (the SDK) or as the Basic-auth user (`curl -u sk_…:`).
 * A missing or unknown key is a 401 whose error type is `invalid_request_error`, as in Stripe.
 */
function authenticate(header: string | undefined, apiKey: string | undefined): StripeErrorBody | undefined {
  let key: string | undefined;
  if (header?.startsWith('Bearer ')) key = header.slice(7).trim();
  else if (header?.startsWith('Basic ')) key = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':')[0];
  if (!key) {
    return {
      type: 'invalid_request_error',
      message:
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    };
  }
  const accepted = apiKey ? key === apiKey : /^(sk|rk)_test_/.test(key);
  if (!accepted) {
    const masked = key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}` : '***';
    return { type: 'invalid_request_error', code: 'api_key_invalid', message: `Invalid API Key provided: ${masked}` };
  }
  return undefined;
}
