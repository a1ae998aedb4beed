import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { ROUTES, type RouteDefinition } from '../../functions/routes';
import { type DevKeys, devVerifier } from './dev-auth';

/**
 * The local API Gateway (HTTP API, payload format 2.0) in front of the very handler modules CDK
 * deploys: same route table, same event shape (claims as strings, lower-cased headers, comma-joined
 * repeated query values), same JWT checks as the authorizer, and API Gateway's own bodies for 401,
 * 404 and 500. Handler modules are imported on first use, after the runtime has set the environment.
 */
export interface GatewayOptions {
  port: number;
  host?: string;
  keys: DevKeys;
  routes?: readonly RouteDefinition[];
  /** Repository root the route entries are relative to. */
  root?: string;
  /** Called once a route's handler has answered (tests record which routes were really requested). */
  onHandled?: (route: RouteDefinition, status: number) => void;
  /**
   * Serves what is not an API route (the billing console at /console): answers and returns true, or
   * returns false to let the gateway answer. On AWS this is a separate static site, not API Gateway.
   */
  serveOther?: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;
}

type LambdaHandler = (
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

const TEXT_TYPES = /^(application\/(json|.+\+json|x-www-form-urlencoded|xml|javascript)|text\/)/;
const MAX_BODY_BYTES = 10 * 1024 * 1024;

interface CompiledRoute {
  route: RouteDefinition;
  pattern: RegExp;
  names: string[];
  literalSegments: number;
}

export function compileRoutes(routes: readonly RouteDefinition[]): CompiledRoute[] {
  return routes
    .map((route) => {
      const names: string[] = [];
      const source = route.path
        .split('/')
        .map((segment) => {
          const param = /^\{(\w+)\}$/.exec(segment);
          if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(param[1]!);
          return '([^/]+)';
        })
        .join('/');
      return {
        route,
        pattern: new RegExp(`^${source}$`),
        names,
        literalSegments: route.path.split('/').length - names.length,
      };
    })
    .sort((a, b) => b.literalSegments - a.literalSegments); // /invoices/upcoming before /invoices/{id}
}

export function matchRoute(compiled: CompiledRoute[], method: string, path: string) {
  for (const c of compiled) {
    if (c.route.method !== method) continue;
    const m = c.pattern.exec(path);
    if (!m) continue;
    const params = Object.fromEntries(c.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
    return { route: c.route, params };
  }
  return undefined;
}

export async function startGateway(options: GatewayOptions): Promise<{ url: string; close(): Promise<void> }> {
  const compiled = compileRoutes(options.routes ?? ROUTES);
  const verify = devVerifier(options.keys);
  const root = options.root ?? resolve(__dirname, '../..');
  const modules = new Map<string, Promise<LambdaHandler>>();
  const load = (entry: string) => {
    let handler = modules.get(entry);
    if (!handler) {
      handler = import(resolve(root, entry)).then((m: { handler: LambdaHandler }) => m.handler);
      modules.set(entry, handler);
    }
    return handler;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      process.stderr.write(`${JSON.stringify({ level: 'ERROR', message: 'gateway failure', error: String(error) })}\n`);
      if (!res.headersSent)
        send(res, 500, { 'content-type': 'application/json' }, '{"message":"Internal Server Error"}');
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://local');
    const method = (req.method ?? 'GET').toUpperCase();
    const match = matchRoute(compiled, method, url.pathname);
    if (!match && options.serveOther && (await options.serveOther(req, res, url))) return;
    const rawBody = await readBody(req);
    if (rawBody === undefined)
      return send(res, 413, { 'content-type': 'application/json' }, '{"message":"Request Entity Too Large"}');
    if (!match) return send(res, 404, { 'content-type': 'application/json' }, '{"message":"Not Found"}');

    let claims: Record<string, string> | undefined;
    if (match.route.auth === 'jwt') {
      const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      claims = token ? await verify(token).catch(() => undefined) : undefined;
      if (!claims) {
        return send(
          res,
          401,
          { 'content-type': 'application/json', 'www-authenticate': 'Bearer' },
          '{"message":"Unauthorized"}',
        );
      }
    }

    const event = buildEvent(req, url, method, match.route, match.params, rawBody, claims);
    const handler = await load(match.route.entry);
    let result: APIGatewayProxyResultV2;
    try {
      result = await handler(event, lambdaContext(match.route.id, event.requestContext.requestId));
    } catch (error) {
      process.stderr.write(
        `${JSON.stringify({ level: 'ERROR', message: 'handler threw', route: match.route.id, error: String(error) })}\n`,
      );
      return send(res, 500, { 'content-type': 'application/json' }, '{"message":"Internal Server Error"}');
    }
    options.onHandled?.(
      match.route,
      typeof result === 'string' || !('statusCode' in result) ? 200 : (result.statusCode ?? 200),
    );
    if (typeof result === 'string' || !('statusCode' in result)) {
      // Payload 2.0: a bare value means 200 with the value as JSON.
      return send(
        res,
        200,
        { 'content-type': 'application/json' },
        typeof result === 'string' ? result : JSON.stringify(result),
      );
    }
    const body =
      result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(result.headers ?? {})) headers[k.toLowerCase()] = String(v);
    send(res, result.statusCode ?? 200, headers, body);
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${options.port} is taken: set another API port`) : error),
    );
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolveListen());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolveBody(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer) {
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function buildEvent(
  req: IncomingMessage,
  url: URL,
  method: string,
  route: RouteDefinition,
  pathParameters: Record<string, string>,
  rawBody: Buffer,
  claims: Record<string, string> | undefined,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined && k !== 'cookie') headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const contentType = headers['content-type'] ?? '';
  const isText = rawBody.length === 0 || TEXT_TYPES.test(contentType);
  const now = new Date();
  const requestId = randomUUID();
  return {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(req.headers.cookie ? { cookies: req.headers.cookie.split(/;\s*/) } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: claims ?? {}, scopes: [] } },
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: `${route.method} ${route.path}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(rawBody.length ? { body: isText ? rawBody.toString('utf8') : rawBody.toString('base64') } : {}),
    isBase64Encoded: !isText,
  };
}

function lambdaContext(routeId: string, requestId: string): Context {
  const deadline = Date.now() + 29_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `billing-${routeId}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:billing-${routeId}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/billing-${routeId}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
