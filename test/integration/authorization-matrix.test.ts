import { CONTRACT } from '../../functions/contract';
import type { RouteContract } from '../../functions/kernel/http/contract';
import { MEMBER_ROLES, ROUTES, type Role } from '../../functions/routes';
import { type StripeSandbox, startStripeSandbox } from '../../scripts/stripe-sandbox';
import { buildDeps, setDepsForTesting } from '../support/deps';
import { startTestApi, type TestApi, type TestOrg } from './support/api';

/**
 * Every JWT route of the route table × every role × own org / another org. New routes join this
 * matrix by existing: nothing here names a route. Authorization runs before any decoding, so a body
 * of `{}` is enough to tell 403/404 apart from everything else; for a role that may act, the route's
 * own contract says exactly what `{}` and unknown ids must answer (so a 500 fails the matrix).
 */
const SECRET_KEY = 'sk_test_authorization_matrix_0123';
let api: TestApi;
let sandbox: StripeSandbox;
let mine: TestOrg;
let theirs: TestOrg;

beforeAll(async () => {
  // Routes that call Stripe answer for real: against the sandbox.
  sandbox = await startStripeSandbox({ port: 0, webhookSecret: 'whsec_matrix_0123456789', apiKey: SECRET_KEY });
  process.env.STRIPE_API_URL = sandbox.url;
  process.env.STRIPE_SECRET_KEY = SECRET_KEY;
  setDepsForTesting(buildDeps());
  api = await startTestApi();
  [mine, theirs] = await Promise.all([api.newOrg(), api.newOrg()]);
}, 60_000);
afterAll(async () => {
  setDepsForTesting(undefined);
  await api.close();
  await sandbox.close();
});

/**
 * What a role that may act gets for the matrix's request (body `{}`, every id but the org unknown), from
 * the route's contract: 400 when the ids or `{}` do not validate, 404 when the route names a thing by id
 * (none exists), otherwise the route's success status.
 */
function expectedForAllowed(route: (typeof ROUTES)[number], org: string): number {
  const contract = (CONTRACT as Record<string, RouteContract>)[route.id]!;
  const params = paramsFor(route.path, org);
  if (contract.params && !contract.params.safeParse(params).success) return 400;
  if (route.method !== 'GET' && contract.body && !contract.body.safeParse({}).success) return 400;
  if (Object.keys(params).some((name) => name !== 'org')) return 404;
  const success = Object.keys(contract.responses)
    .map(Number)
    .filter((status) => status < 300);
  expect(success).toHaveLength(1);
  return success[0]!;
}

const jwtRoutes = ROUTES.filter((r) => r.auth === 'jwt');
const routeKey = (r: (typeof ROUTES)[number]) => `${r.method} ${r.path}`;

function paramsFor(path: string, org: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [, name] of path.matchAll(/\{(\w+)\}/g)) params[name!] = name === 'org' ? org : 'does_not_exist';
  return params;
}

/**
 * `Prefer: respond-async` on every request: a route that would hold the request while it works (the export
 * download) answers its async status at once instead; the others ignore it.
 */
async function call(route: (typeof ROUTES)[number], token: string | undefined, org: string) {
  return api.request(routeKey(route), {
    token,
    params: paramsFor(route.path, org),
    headers: { prefer: 'respond-async' },
    ...(route.method === 'GET' ? {} : { body: {} }),
  });
}

describe('authorization matrix', () => {
  it.each(jwtRoutes.map((r) => [routeKey(r), r] as const))(
    '%s answers 401 without a valid token',
    async (_k, route) => {
      expect((await call(route, undefined, mine.id)).status).toBe(401);
      expect((await call(route, 'not-a-jwt', mine.id)).status).toBe(401);
    },
  );

  it.each(jwtRoutes.map((r) => [routeKey(r), r] as const))(
    '%s enforces its roles on the own org',
    async (_k, route) => {
      for (const role of MEMBER_ROLES) {
        const res = await call(route, mine.tokens[role as Exclude<Role, 'platform'>], mine.id);
        if (route.roles.includes(role)) {
          expect({ role, status: res.status }).toEqual({ role, status: expectedForAllowed(route, mine.id) });
          if (res.status === 404) expect(res.body.error.code).not.toBe('org_not_found');
        } else {
          expect({ role, status: res.status }).toEqual({ role, status: 403 });
          expect(res.body.error.code).toBe('forbidden');
        }
      }
    },
  );

  it.each(jwtRoutes.filter((r) => r.path.includes('{org}')).map((r) => [routeKey(r), r] as const))(
    "%s answers 404 for another org's data, whatever the member's role",
    async (_k, route) => {
      for (const role of MEMBER_ROLES) {
        const res = await call(route, mine.tokens[role as Exclude<Role, 'platform'>], theirs.id);
        expect({ role, status: res.status, code: res.body?.error?.code }).toEqual({
          role,
          status: 404,
          code: 'org_not_found',
        });
      }
    },
  );

  it.each(jwtRoutes.map((r) => [routeKey(r), r] as const))(
    '%s admits the platform identity only if listed',
    async (_k, route) => {
      const res = await call(route, mine.platform, mine.id);
      expect(res.status).toBe(route.roles.includes('platform') ? expectedForAllowed(route, mine.id) : 403);
    },
  );

  it('answers 403 for a token whose role is not a billing role', async () => {
    const token = await api.token({ sub: 'x', org_id: mine.id, role: 'superuser' as Role });
    const res = await api.request('GET /v1/orgs/{org}/billing-status', { token, params: { org: mine.id } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('unknown_role');
  });
});
