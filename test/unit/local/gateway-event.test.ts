import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { ROUTES } from '../../../functions/routes';
import { buildEvent, compileRoutes, matchRoute } from '../../../scripts/local/gateway';
import sample from '../../fixtures/aws/apigw-http-jwt-authorizer.json';

function keysDeep(value: unknown, prefix = ''): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => [`${prefix}${k}`, ...keysDeep(v, `${prefix}${k}.`)]);
}

describe('the local gateway', () => {
  it('builds events with the shape API Gateway records for a JWT-authorized HTTP API', () => {
    const req = new IncomingMessage(new Socket());
    req.method = 'GET';
    req.httpVersion = '1.1';
    req.headers = { host: 'localhost', 'user-agent': 'test', cookie: 'a=1; b=2' };
    const route = ROUTES.find((r) => r.id === 'getBillingStatus')!;
    const event = buildEvent(
      req,
      new URL('http://local/v1/orgs/org_1/billing-status?x=1&x=2'),
      'GET',
      route,
      { org: 'org_1' },
      Buffer.from('{"a":1}'),
      { sub: 'u', exp: '1718722804' },
    );
    const ignore =
      /^(requestContext\.authorizer\.jwt\.claims\.|requestContext\.authentication|stageVariables|pathParameters\.|queryStringParameters\.|headers\.)/;
    const expected = keysDeep(sample).filter((k) => !ignore.test(k));
    const actual = new Set(keysDeep(event));
    expect(expected.filter((k) => !actual.has(k))).toEqual([]);
    expect(event.queryStringParameters).toEqual({ x: '1,2' });
    expect(event.cookies).toEqual(['a=1', 'b=2']);
    expect(event.requestContext.authorizer.jwt.claims.exp).toBe('1718722804');
    expect(event.routeKey).toBe('GET /v1/orgs/{org}/billing-status');
  });

  it('base64-encodes binary bodies like API Gateway and leaves JSON as text', () => {
    const req = new IncomingMessage(new Socket());
    req.headers = { 'content-type': 'application/octet-stream' };
    const route = ROUTES[0]!;
    const event = buildEvent(req, new URL('http://l/v1/health'), 'GET', route, {}, Buffer.from([1, 2, 3]), undefined);
    expect(event.isBase64Encoded).toBe(true);
    expect(event.body).toBe(Buffer.from([1, 2, 3]).toString('base64'));
  });

  it('prefers literal segments over path parameters', () => {
    const compiled = compileRoutes([
      {
        id: 'a',
        method: 'GET',
        path: '/v1/orgs/{org}/invoices/{id}',
        auth: 'jwt',
        roles: ['owner'],
        entry: '',
        summary: '',
      },
      {
        id: 'b',
        method: 'GET',
        path: '/v1/orgs/{org}/invoices/upcoming',
        auth: 'jwt',
        roles: ['owner'],
        entry: '',
        summary: '',
      },
    ]);
    expect(matchRoute(compiled, 'GET', '/v1/orgs/o1/invoices/upcoming')?.route.id).toBe('b');
    expect(matchRoute(compiled, 'GET', '/v1/orgs/o1/invoices/in_1')).toMatchObject({
      route: { id: 'a' },
      params: { id: 'in_1' },
    });
    expect(matchRoute(compiled, 'POST', '/v1/orgs/o1/invoices/in_1')).toBeUndefined();
  });
});
