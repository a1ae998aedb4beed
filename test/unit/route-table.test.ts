import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CONTRACT } from '../../functions/contract';
import { ROLES, ROUTES } from '../../functions/routes';

const root = resolve(__dirname, '../..');

function testSources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testSources(path);
    return name.endsWith('.ts') ? [readFileSync(path, 'utf8')] : [];
  });
}

describe('the route table', () => {
  const allTests = testSources(join(root, 'test')).join('\n');

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

  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`] as const))('%s is exercised by at least one test', (key) => {
    expect(allTests.includes(`'${key}'`)).toBe(true);
  });

  it('has unique ids and unique method + path pairs', () => {
    expect(new Set(ROUTES.map((r) => r.id)).size).toBe(ROUTES.length);
    expect(new Set(ROUTES.map((r) => `${r.method} ${r.path}`)).size).toBe(ROUTES.length);
  });

  it('has one contract per route and no contract without a route', () => {
    expect(Object.keys(CONTRACT).sort()).toEqual(ROUTES.map((r) => r.id).sort());
  });
});
