import { createHash } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { findRoute, type RateLimitBucket } from '../../routes';
import { kernel } from '../compose';
import { validation } from '../errors';
import { logger } from '../logger';
import type { CallContext } from '../ports';
import type { RouteContract } from './contract';
import { actorOf, authorize, type Principal, principalFrom } from './principal';
import { errorResponse, toAppError } from './problem';

/**
 * The one HTTP wrapper every route handler uses: authorize (org scope, then role, from the route table)
 * → decode with the route's zod contract → Idempotency-Key → run one use case → encode. Handlers hold
 * no try/catch and no status literals; errors carry a kind and problem.ts maps it.
 */
type Infer<T> = T extends z.ZodType ? z.output<T> : undefined;
type Field<C, K extends string> = C extends { [P in K]: infer S } ? Infer<S> : undefined;

export interface HttpRequest<C> {
  readonly params: Field<C, 'params'>;
  readonly query: Field<C, 'query'>;
  readonly body: Field<C, 'body'>;
  /** Undefined only on routes whose auth is not `jwt`. */
  readonly principal: Principal;
  readonly ctx: CallContext;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly event: APIGatewayProxyEventV2WithJWTAuthorizer;
}

export interface HttpResult {
  readonly statusCode: number;
  readonly body?: unknown;
  /** Set for non-JSON answers (e.g. CSV); `body` must then be a string (base64 when `binary`). */
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** The body is bytes, base64-encoded (API Gateway decodes it for the client). */
  readonly binary?: boolean;
  /**
   * What the Idempotency-Key record keeps instead of `body`, when the body holds something that must not
   * be stored (a SetupIntent's client secret): the route's `replay` then rebuilds the answer from it.
   */
  readonly stored?: unknown;
}

export interface HttpHandlerOptions<C> {
  /** Rebuilds a replayed answer from what `stored` kept (the request is the replaying one). */
  readonly replay?: (stored: unknown, request: HttpRequest<C>) => Promise<HttpResult>;
}

export const ok = (body: unknown, headers?: Record<string, string>): HttpResult => ({ statusCode: 200, body, headers });
export const created = (body: unknown, options: { stored?: unknown } = {}): HttpResult => ({
  statusCode: 201,
  body,
  ...(options.stored !== undefined ? { stored: options.stored } : {}),
});
export const accepted = (body: unknown, headers?: Record<string, string>): HttpResult => ({
  statusCode: 202,
  body,
  headers,
});
/** 303 See Other: the answer is at `location` (fetched with GET). */
export const seeOther = (location: string): HttpResult => ({ statusCode: 303, headers: { location } });
/**
 * 503 with Retry-After: not ready yet, ask again in `seconds`. For a resource still being made, where a
 * plain HTTP client (curl --retry) must retry by itself: curl retries 503, never 202.
 */
export const retryLater = (body: unknown, seconds: number): HttpResult => ({
  statusCode: 503,
  body,
  headers: { 'retry-after': String(seconds) },
});
export const noContent = (): HttpResult => ({ statusCode: 204 });
export const text = (contentType: string, body: string, headers?: Record<string, string>): HttpResult => ({
  statusCode: 200,
  body,
  contentType,
  headers,
});
export const bytes = (contentType: string, body: Uint8Array, headers?: Record<string, string>): HttpResult => ({
  statusCode: 200,
  body: Buffer.from(body).toString('base64'),
  contentType,
  headers,
  binary: true,
});

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,255}$/;

/**
 * `contracts` is the route's capability contract (its `contract.ts`): a handler bundles only its own
 * capability's schemas.
 */
export function httpHandler<C extends Record<string, RouteContract>, R extends keyof C & string>(
  contracts: C,
  routeId: R,
  run: (request: HttpRequest<C[R]>) => Promise<HttpResult>,
  options: HttpHandlerOptions<C[R]> = {},
) {
  const route = findRoute(routeId);
  const contract: RouteContract = contracts[routeId]!;

  // Authorization runs as the first middleware, before the body is even parsed: a caller who may not
  // act learns nothing from validation errors.
  const principals = new WeakMap<object, Principal>();

  const base = async (event: APIGatewayProxyEventV2WithJWTAuthorizer): Promise<APIGatewayProxyStructuredResultV2> => {
    const principal = principals.get(event);
    const requestId = event.requestContext.requestId;
    try {
      if (route.rateLimit) await takeRateLimit(route.rateLimit, principal, event.pathParameters?.org);
      const params = contract.params ? contract.params.parse(event.pathParameters ?? {}) : undefined;
      const query = contract.query ? contract.query.parse(event.queryStringParameters ?? {}) : undefined;
      const body = contract.body ? contract.body.parse(event.body) : undefined;
      const request = {
        params,
        query,
        body,
        principal: principal as Principal,
        ctx: { actor: principal ? actorOf(principal) : { type: 'system', id: route.id }, requestId },
        headers: event.headers ?? {},
        event,
      } as HttpRequest<C[R]>;
      return await withIdempotency(
        route.id,
        event,
        principal,
        body,
        () => run(request).then((result) => ({ response: encode(result), stored: result.stored })),
        options.replay ? (stored) => options.replay!(stored, request).then(encode) : undefined,
      );
    } catch (error) {
      return errorOut(error);
    }
  };

  const handler = middy<APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Error, Context>(
    base,
  )
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      before: async (request) => {
        request.internal.startedAt = Date.now();
        if (route.auth !== 'jwt') return;
        const principal = principalFrom(request.event);
        principals.set(request.event, principal);
        authorize(route, principal, request.event.pathParameters?.org);
      },
      after: async (request) => {
        request.response = finish(request.event, request.response, request.internal.startedAt as number);
      },
      // Errors raised by middlewares (authorization, the JSON body parser) still answer problem JSON.
      onError: async (request) => {
        request.response = finish(request.event, errorOut(request.error), request.internal.startedAt as number);
      },
    });
  if (contract.body) {
    const parser = httpJsonBodyParser();
    handler.use(
      contract.bodyOptional
        ? {
            // No bytes at all is "no body"; anything sent must still be JSON.
            before: async (request) => {
              const body = request.event.body;
              if (body === undefined || body === null || body === '') return;
              await parser.before!(request);
            },
          }
        : parser,
    );
  }

  function finish(
    event: APIGatewayProxyEventV2WithJWTAuthorizer,
    response: APIGatewayProxyStructuredResultV2,
    startedAt: number,
  ): APIGatewayProxyStructuredResultV2 {
    const principal = principals.get(event);
    logger.info('request', {
      route: route.id,
      method: event.requestContext.http.method,
      path: event.rawPath,
      status: response.statusCode,
      durationMs: Date.now() - startedAt,
      org: principal?.orgId ?? event.pathParameters?.org,
      role: principal?.role,
    });
    return withHeaders(response, { 'x-request-id': event.requestContext.requestId });
  }
  return handler;
}

/**
 * The route's per-org budget (after authorization, so only a caller who may act is counted, and counted
 * against its own org). Reusable by any route: name the bucket in the route table.
 */
async function takeRateLimit(bucket: RateLimitBucket, principal: Principal | undefined, pathOrg: string | undefined) {
  const { rateLimiter, clock, config } = kernel();
  const scope = principal?.orgId ?? pathOrg ?? (principal ? `platform:${principal.sub}` : 'anonymous');
  const budgets: Record<RateLimitBucket, { limit: number; windowSeconds: number }> = {
    expensive_read: { limit: config.expensiveReadsPerMinute, windowSeconds: 60 },
  };
  await rateLimiter.take({ scope, bucket, ...budgets[bucket] }, clock.now());
}

function errorOut(error: unknown): APIGatewayProxyStructuredResultV2 {
  const appError = toAppError(error);
  if (appError.kind === 'internal' || appError.kind === 'dependency_unavailable') {
    logger.error('request failed', { code: appError.code, error: appError.cause ?? appError });
  }
  return errorResponse(appError);
}

function encode(result: HttpResult): APIGatewayProxyStructuredResultV2 {
  if (result.statusCode === 204 || (result.body === undefined && !result.contentType)) {
    return { statusCode: result.statusCode, headers: { ...result.headers } };
  }
  return {
    statusCode: result.statusCode,
    headers: { 'content-type': result.contentType ?? 'application/json', ...result.headers },
    body: result.contentType ? String(result.body) : JSON.stringify(result.body),
    ...(result.binary ? { isBase64Encoded: true } : {}),
  };
}

const withHeaders = (response: APIGatewayProxyStructuredResultV2, headers: Record<string, string>) => ({
  ...response,
  headers: { ...response.headers, ...headers },
});

/**
 * Same key + same request → the stored response (marked `idempotent-replayed`); same key + different
 * request → 422. Responses of 5xx and 409 are not stored: those are worth retrying with the same key.
 */
async function withIdempotency(
  routeId: string,
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  principal: Principal | undefined,
  body: unknown,
  execute: () => Promise<{ response: APIGatewayProxyStructuredResultV2; stored?: unknown }>,
  replay: ((stored: unknown) => Promise<APIGatewayProxyStructuredResultV2>) | undefined,
): Promise<APIGatewayProxyStructuredResultV2> {
  const key = event.headers?.['idempotency-key'];
  if (!WRITE_METHODS.has(event.requestContext.http.method) || key === undefined || !principal) {
    return (await execute()).response;
  }
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw validation('invalid_idempotency_key', 'Idempotency-Key must be 1–255 of A–Z a–z 0–9 _ . : -');
  }
  const { idempotency: store, clock } = kernel();
  const scope = principal.orgId ?? `platform:${principal.sub}`;
  const hash = createHash('sha256')
    .update(`${event.requestContext.http.method} ${event.rawPath}\n${canonicalJson(body)}`)
    .digest('hex');
  const begun = await store.begin(scope, routeId, key, hash, clock.now());
  if (begun.state === 'replay') {
    const { statusCode, body: storedBody, contentType } = begun.response;
    const rebuilt = begun.response.rebuild && replay && storedBody ? await replay(JSON.parse(storedBody)) : undefined;
    if (rebuilt) return withHeaders(rebuilt, { 'idempotent-replayed': 'true' });
    return { statusCode, body: storedBody, headers: { 'content-type': contentType, 'idempotent-replayed': 'true' } };
  }
  let response: APIGatewayProxyStructuredResultV2;
  let stored: unknown;
  try {
    ({ response, stored } = await execute());
  } catch (error) {
    const appError = toAppError(error);
    response = errorOut(appError);
  }
  const status = response.statusCode ?? 200;
  // Conditional on this request's claim: when it outlived the claim (a retry took the key over), the
  // retry's record is left alone and this response is still returned to this caller.
  const kept =
    status >= 500 || status === 409 || status === 429
      ? await store.release(scope, routeId, key, begun.claimId)
      : await store.complete(scope, routeId, key, begun.claimId, {
          statusCode: status,
          body: stored !== undefined ? JSON.stringify(stored) : typeof response.body === 'string' ? response.body : '',
          contentType: String(response.headers?.['content-type'] ?? 'application/json'),
          ...(stored !== undefined ? { rebuild: true } : {}),
        });
  if (!kept) logger.warn('idempotency claim was taken over before this request finished', { route: routeId, status });
  return response;
}

/** Key-sorted JSON, so the same body with keys in another order hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return '';
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
