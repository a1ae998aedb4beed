import createClient, { type Middleware } from 'openapi-fetch';
import type { operations, paths } from '../generated/api';
import type { Session } from './auth';

/**
 * The console's only way to the product: the public HTTP API, typed by the types generated from its
 * OpenAPI document (console/build.ts), plus the served document itself, read at start to learn which
 * operations exist and which roles may call them (`x-allowed-roles`). So the navigation and every
 * button follow the API as deployed: an operation the API does not serve yet (invoices, contracts) has
 * no page, and a role the route table refuses sees no button that would answer 403.
 */
export type ApiClient = ReturnType<typeof createApiClient>;
export type OperationId = keyof operations;

/** A problem answer (`{ error: { code, message, details } }`) or a transport failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function createApiClient(baseUrl: string, session: Session) {
  const auth: Middleware = {
    onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${session.token}`);
      return request;
    },
  };
  const client = createClient<paths>({ baseUrl });
  client.use(auth);
  return client;
}

/** Unwraps an openapi-fetch answer: the data, or an ApiError carrying the problem's code. */
export async function must<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<Exclude<T, undefined>> {
  let answer: Awaited<typeof call>;
  try {
    answer = await call;
  } catch (error) {
    throw new ApiError(0, 'network_error', `The API could not be reached (${String(error)})`);
  }
  const { data, error, response } = answer;
  if (error !== undefined || !response.ok) {
    const problem = (error as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    throw new ApiError(
      response.status,
      problem?.code ?? `http_${response.status}`,
      problem?.message ?? (typeof error === 'object' ? JSON.stringify(error) : String(error ?? response.statusText)),
      problem?.details,
    );
  }
  return data as Exclude<T, undefined>;
}

/** Routes that can also answer CSV type their data as `JSON | string`: the JSON one is asked for here. */
export function json<T>(data: T | string): T {
  if (typeof data === 'string')
    throw new ApiError(200, 'unexpected_text', 'the API answered text where JSON was asked for');
  return data;
}

/** Idempotency-Key for a write the user asked for once: a retry of the same click replays, never doubles. */
export const idempotencyKey = () => crypto.randomUUID();

interface OperationInfo {
  method: string;
  path: string;
  roles: readonly string[];
  query: ReadonlyMap<string, { enum?: readonly string[] }>;
}

/** What the served OpenAPI document says the API can do, and what this session's role may. */
export class Capabilities {
  constructor(
    private readonly operations: ReadonlyMap<string, OperationInfo>,
    private readonly role: string,
    readonly document: OpenApiDocument,
  ) {}

  static fromDocument(document: OpenApiDocument, role: string): Capabilities {
    const operations = new Map<string, OperationInfo>();
    for (const [path, methods] of Object.entries(document.paths ?? {})) {
      for (const [method, op] of Object.entries(methods)) {
        if (!op.operationId) continue;
        const query = new Map<string, { enum?: readonly string[] }>();
        for (const p of op.parameters ?? []) {
          if (p.in === 'query') query.set(p.name, { ...(p.schema?.enum ? { enum: p.schema.enum } : {}) });
        }
        operations.set(op.operationId, { method, path, roles: op['x-allowed-roles'] ?? [], query });
      }
    }
    return new Capabilities(operations, role, document);
  }

  /** The API serves this operation (whoever may call it). */
  has(operation: string): boolean {
    return this.operations.has(operation);
  }

  /** The API serves it and this role may call it. */
  can(operation: OperationId | (string & {})): boolean {
    return this.operations.get(operation)?.roles.includes(this.role) ?? false;
  }

  /** Where the served document puts an operation (`POST`, `/v1/orgs/{org}/invoices/{id}/pay`). */
  route(operation: string): { method: string; path: string } | undefined {
    const op = this.operations.get(operation);
    return op ? { method: op.method.toUpperCase(), path: op.path } : undefined;
  }

  /** The values a query parameter accepts, or undefined when the operation has no such parameter. */
  queryParameter(operation: string, name: string): { enum?: readonly string[] } | undefined {
    return this.operations.get(operation)?.query.get(name);
  }

  /** Enum values of a request-body property (e.g. the notice kinds a contact can receive). */
  bodyEnum(operation: string, property: string): string[] {
    for (const methods of Object.values(this.document.paths ?? {})) {
      for (const op of Object.values(methods)) {
        if (op.operationId !== operation) continue;
        const schema = op.requestBody?.content?.['application/json']?.schema;
        const prop = schema?.properties?.[property];
        return [...(prop?.items?.enum ?? prop?.enum ?? [])];
      }
    }
    return [];
  }
}

interface SchemaLike {
  enum?: string[];
  items?: SchemaLike;
  properties?: Record<string, SchemaLike>;
}
export interface OpenApiDocument {
  paths?: Record<
    string,
    Record<
      string,
      {
        operationId?: string;
        'x-allowed-roles'?: string[];
        parameters?: { name: string; in: string; schema?: SchemaLike }[];
        requestBody?: { content?: Record<string, { schema?: SchemaLike }> };
      }
    >
  >;
}

export async function loadCapabilities(baseUrl: string, role: string): Promise<Capabilities> {
  const res = await fetch(`${baseUrl}/v1/openapi.json`);
  if (!res.ok) throw new ApiError(res.status, `http_${res.status}`, 'the API did not serve its OpenAPI document');
  return Capabilities.fromDocument((await res.json()) as OpenApiDocument, role);
}

/**
 * Calls an operation at the method and path the served document gives it, for an operation newer than
 * the contract this console was built against (pay now: `payInvoice` comes with the collection
 * capability). Its answer is typed by the caller with the fields it reads; once the operation is in
 * the contract the console is built from, a typed `api.POST(…)` can replace the call.
 */
export async function callOperation<T>(
  baseUrl: string,
  session: Session,
  caps: Capabilities,
  operation: string,
  pathParams: Record<string, string>,
  init: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<T> {
  const route = caps.route(operation);
  if (!route) throw new ApiError(404, 'not_served', `the API does not serve ${operation}`);
  const path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(pathParams[name] ?? ''));
  let res: Response;
  try {
    res = await fetch(`${baseUrl}${path}`, {
      method: route.method,
      headers: {
        authorization: `Bearer ${session.token}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  } catch (error) {
    throw new ApiError(0, 'network_error', `The API could not be reached (${String(error)})`);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  if (!res.ok) {
    const problem = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    throw new ApiError(
      res.status,
      problem?.code ?? `http_${res.status}`,
      problem?.message ?? res.statusText,
      problem?.details,
    );
  }
  return parsed as T;
}
