import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { ROUTES, type Role, type RouteDefinition } from '../../../functions/routes';
import { createDevKeys, type DevClaims, type DevKeys, mintToken } from '../../../scripts/local/dev-auth';
import { startGateway } from '../../../scripts/local/gateway';
import { assertAnswerInContract } from '../../support/response-contract';

/**
 * Drives the product the way a client does: HTTP to the local gateway (the real route table, JWT
 * checks and handler modules) over the DynamoDB Local and fauxqs that global-setup started.
 *
 * Requests name routes by their route-table key (`'GET /v1/orgs/{org}/audit'`). Every route whose
 * handler answered is recorded (see recordServed): global-teardown fails a full run in which some route
 * of the table was never really requested. Every answer is checked against the served OpenAPI document
 * (see response-contract.ts): one outside it fails the request.
 */
export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string;
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface TestApi {
  url: string;
  keys: DevKeys;
  request<T = any>(routeKey: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  token(claims: DevClaims): Promise<string>;
  /** A freshly provisioned org with a token per role: no test shares state with another. */
  newOrg(options?: { currency?: string; name?: string }): Promise<TestOrg>;
  close(): Promise<void>;
}

export interface TestOrg {
  id: string;
  tokens: Record<Exclude<Role, 'platform'>, string>;
  platform: string;
}

/**
 * Which routes' handlers this worker has really served: appended (once per route) to a file in
 * ROUTE_HITS_DIR, which global-teardown reads to prove every route of the table is requested by a test.
 */
const served = new Set<string>();
function recordServed(route: RouteDefinition): void {
  const dir = process.env.ROUTE_HITS_DIR;
  if (!dir || served.has(route.id)) return;
  served.add(route.id);
  appendFileSync(join(dir, `${process.pid}.log`), `${route.id}\n`);
}

export async function startTestApi(): Promise<TestApi> {
  const { keys } = await createDevKeys();
  const gateway = await startGateway({ port: 0, keys, onHandled: recordServed });
  const token = (claims: DevClaims) => mintToken(keys, claims);

  async function request<T>(routeKey: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const route = ROUTES.find((r) => `${r.method} ${r.path}` === routeKey);
    if (!route) throw new Error(`${routeKey} is not in the route table`);
    const [method, template] = routeKey.split(' ') as [string, string];
    const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => {
      const value = options.params?.[name];
      if (value === undefined) throw new Error(`missing path param ${name} for ${routeKey}`);
      return encodeURIComponent(value);
    });
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) query.set(k, String(v));
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${gateway.url}${path}${query.size ? `?${query}` : ''}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    assertAnswerInContract(route, {
      status: res.status,
      contentType: res.headers.get('content-type'),
      body: text ? parsed : undefined,
      text,
    });
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  async function newOrg(options: { currency?: string; name?: string } = {}): Promise<TestOrg> {
    const id = `org_${ulid().toLowerCase()}`;
    const platform = await token({ sub: 'svc_platform', role: 'platform' });
    const res = await request('PUT /v1/orgs/{org}', {
      token: platform,
      params: { org: id },
      body: { name: options.name ?? `Test ${id}`, default_currency: options.currency ?? 'USD' },
    });
    if (res.status !== 201) throw new Error(`provisioning failed: ${res.status} ${res.text}`);
    const roles = ['owner', 'billing_admin', 'developer', 'viewer'] as const;
    const tokens = Object.fromEntries(
      await Promise.all(
        roles.map(async (role) => [role, await token({ sub: `user_${role}_${id}`, org_id: id, role })]),
      ),
    ) as TestOrg['tokens'];
    return { id, tokens, platform };
  }

  return { url: gateway.url, keys, request, token, newOrg, close: gateway.close };
}
