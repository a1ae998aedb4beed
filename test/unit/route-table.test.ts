import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CONTRACT } from '../../functions/contract';
import { ROLES, ROUTES } from '../../functions/routes';

const root = resolve(__dirname, '../..');

describe('the route table', () => {
  it.each(ROUTES.map((r) => [r.id, r] as const))(
    '%s has an auth rule, roles, a handler file and a contract',
    (_id, route) => {
      expect(['none', 'jwt', 'stripe_signature']).toContain(route.auth);
      if (route.auth === 'jwt') expect(route.roles.length).toBeGreaterThan(0);
      else expect(route.roles).toEqual([]);
      for (const role of route.roles) expect(ROLES).toContain(role);
      expect(existsSync(join(root, route.entry))).toBe(true);
      expect(CONTRACT).toHaveProperty(route.id);
    },
  );

  // That every route is exercised is proven where requests are made: the integration tests' gateway
  // records each route whose handler answered, and a full integration run fails (global-teardown.mjs)
  // when a route of this table was never requested.

  it('has unique ids and unique method + path pairs', () => {
    expect(new Set(ROUTES.map((r) => r.id)).size).toBe(ROUTES.length);
    expect(new Set(ROUTES.map((r) => `${r.method} ${r.path}`)).size).toBe(ROUTES.length);
  });

  it('has one contract per route and no contract without a route', () => {
    expect(Object.keys(CONTRACT).sort()).toEqual(ROUTES.map((r) => r.id).sort());
  });
});
