import * as z from 'zod';
import { CONTRACT } from '../../../functions/contract';
import { createContract } from '../../../functions/contracts/app/draft-contract';
import { closeOrgPeriod } from '../../../functions/invoicing/app/close-period';
import { fixedClock } from '../../../functions/kernel/clock';
import { loadConfig } from '../../../functions/kernel/config';
import type { RouteContract } from '../../../functions/kernel/http/contract';
import { periodByKey } from '../../../functions/kernel/period';
import type { CallContext } from '../../../functions/kernel/ports';
import { NOTICE_KINDS } from '../../../functions/notices/domain/notices';
import { MEMBER_ROLES, ROUTES, type Role, type RouteDefinition } from '../../../functions/routes';
import { createSubscription } from '../../../functions/subscriptions/app/create-subscription';
import { handler as consumeUsage } from '../../../functions/usage/queue/consume-usage';
import { buildDeps, type Deps } from '../../../scripts/local/all-deps';
import type { ApiResponse, TestApi, TestOrg } from '../../integration/support/api';
import { postpaidContract, type Scenario, sqsEvent, Violations, withCard } from '../scenario';

/**
 * Tenancy, cell by cell: every JWT route × every identity (the four member roles and the platform) ×
 * the own org and another, then every route that names an object by id with ANOTHER org's real object
 * in the path, every paginated list with another org's cursor, and Idempotency-Keys another org used.
 * Each cell has one exact expected status; every answer to a request about the own org is searched for
 * the other org's ids (a cross-tenant read). Nothing here names a route: new routes join by existing, and
 * a route naming an object of a kind this file cannot seed fails the scenario until it is taught.
 */
const ctx: CallContext = { actor: { type: 'user', id: 'proof', role: 'owner' } };
const jwtRoutes = ROUTES.filter((r) => r.auth === 'jwt');
const routeKey = (r: RouteDefinition) => `${r.method} ${r.path}`;
const contractOf = (r: RouteDefinition) => (CONTRACT as Record<string, RouteContract>)[r.id]!;
const isRead = (r: RouteDefinition) => r.method === 'GET';

/** The kind of object a route's `{id}` names, from its path. */
function kindOf(route: RouteDefinition): ObjectKind | undefined {
  const match = /\/(payment-methods|contacts|invoices|contracts|exports)\/\{id\}/.exec(route.path);
  return match?.[1] as ObjectKind | undefined;
}
type ObjectKind = 'payment-methods' | 'contacts' | 'invoices' | 'contracts' | 'exports';
type Objects = Record<ObjectKind, string[]>;

/** Bodies a role that may act would send, for routes whose `{}` does not validate (so 404 is reachable). */
const VALID_BODIES: Record<string, unknown> = {
  updateContract: { name: 'taken over' },
  transitionContract: { action: 'submit' },
};

/**
 * Reads whose first answer to a role that may act is not their contract's first success: the one-request
 * export starts a build and answers 503 with Retry-After until the file is ready (then 303).
 */
const FIRST_ANSWER: Record<string, number> = { downloadExport: 503 };

/** One org with something of every kind a route can name, and two of each list, so a cursor exists. */
async function seed(deps: Deps, org: TestOrg, api: TestApi): Promise<Objects> {
  const clock = fixedClock('2026-11-10T00:00:00.000Z');
  const dated = buildDeps(loadConfig(), clock);
  const pm = await withCard(deps, org.id);
  const contacts: string[] = [];
  for (const name of ['Ada', 'Grace']) {
    const res = await api.request<{ id: string }>('POST /v1/orgs/{org}/contacts', {
      token: org.tokens.owner,
      params: { org: org.id },
      body: {
        name,
        email: `${name.toLowerCase()}@${org.id.replace(/_/g, '-')}.example`,
        notice_kinds: [...NOTICE_KINDS],
      },
    });
    if (res.status !== 201) throw new Error(`seeding a contact: ${res.status} ${res.text}`);
    contacts.push(res.body.id);
  }
  await createSubscription(dated, ctx, { orgId: org.id, planId: 'team', currency: 'USD', billingModel: 'flat' });
  const invoices: string[] = [];
  for (const key of ['2026-11', '2026-12']) {
    const period = periodByKey(key);
    clock.set(new Date(period.end.getTime() + 2 * 3_600_000));
    await closeOrgPeriod(dated, org.id, period.end.toISOString());
  }
  for (const invoice of (await deps.invoices.list(org.id, { limit: 100 })).data) invoices.push(invoice.id);
  const contracts: string[] = [];
  for (const year of [2030, 2032]) {
    const view = await createContract(
      deps,
      ctx,
      org.id,
      postpaidContract({
        name: `Enterprise ${year}`,
        termStart: new Date(Date.UTC(year, 0, 1)).toISOString(),
        termEnd: new Date(Date.UTC(year + 1, 0, 1)).toISOString(),
        commitMinor: 100_000,
        discountPercent: '10',
      }),
    );
    contracts.push(view.current.id);
  }
  // Usage with names that carry the org's id (a leak shows up as text), and two quarantined events.
  const at = new Date(Date.now() - 60_000).toISOString();
  const events = [
    { id: 'u1', org_id: org.id, type: 'agent_run', timestamp: at, count: 3, agent_id: `agent_of_${org.id}` },
    {
      id: 'u2',
      org_id: org.id,
      type: 'tool_invocation',
      timestamp: at,
      count: 2,
      tool: 'search',
      connection_id: `conn_of_${org.id}`,
    },
    { id: 'bad1', org_id: org.id, type: 'agent_run', timestamp: at, count: -1 },
    { id: 'bad2', org_id: org.id, type: 'agent_run', timestamp: at, count: -2 },
  ];
  await consumeUsage(
    sqsEvent(events.map((e) => ({ messageId: `${org.id}-${e.id}`, body: JSON.stringify(e), sentAt: new Date() }))),
  );
  // Two runaway alerts (a list with a cursor) and two exports (each builds in the background).
  for (const agent of ['a1', 'a2']) {
    await deps.anomalies.record(org.id, {
      scope: { kind: 'agent', id: `${agent}_of_${org.id}` },
      day: '2026-11-09',
      hour: '2026-11-09T10:00:00.000Z',
      detectedAt: '2026-11-09T10:59:00.000Z',
      currency: 'USD',
      hourSpendMinor: 9_000,
      baselineHourlyMinor: 100,
      multiple: 5,
      forecastImpactMinor: 100_000,
      periodEnd: '2026-12-01T00:00:00.000Z',
    });
  }
  const exports: string[] = [];
  for (let i = 0; i < 2; i++) {
    const res = await api.request<{ id: string }>('POST /v1/orgs/{org}/exports', {
      token: org.tokens.owner,
      params: { org: org.id },
      headers: { 'idempotency-key': `proof-export-${org.id}-${i}` },
    });
    if (res.status !== 202) throw new Error(`seeding an export: ${res.status} ${res.text}`);
    exports.push(res.body.id);
  }
  return { 'payment-methods': [pm], contacts, invoices, contracts, exports };
}

export const tenancy: Scenario = {
  name: 'tenancy: route × role × org',
  what: "every route × identity × own/other org, other orgs' ids in path, cursor and Idempotency-Key → exact status, 0 leaks",
  async run({ deps, api, progress }) {
    const v = new Violations();
    const [mine, theirs] = await Promise.all([api.newOrg(), api.newOrg()]);
    const [own, foreign] = await Promise.all([seed(deps, mine, api), seed(deps, theirs, api)]);
    for (const kind of Object.keys(own) as ObjectKind[]) {
      if (own[kind].length === 0 || foreign[kind].length === 0) throw new Error(`seeding left no ${kind}`);
    }
    const foreignIds = [theirs.id, ...Object.values(foreign).flat()];
    const identities: { name: string; role: Role; token: string }[] = [
      ...MEMBER_ROLES.map((role) => ({ name: role, role, token: mine.tokens[role as Exclude<Role, 'platform'>] })),
      { name: 'platform', role: 'platform' as Role, token: mine.platform },
    ];
    let cells = 0;
    let hostile = 0;
    let leaksChecked = 0;
    /** One cell, one exact status; a hostile cell is one that reaches for what the caller may not have. */
    const check = (
      cell: string,
      res: ApiResponse<any>,
      want: number,
      code?: string,
      isHostile = want === 403 || want === 404,
    ) => {
      cells += 1;
      if (isHostile) hostile += 1;
      const got = res.status;
      if (got !== want) v.add(`${cell}: ${got} (${res.body?.error?.code ?? ''}), expected ${want}`);
      else if (code && res.body?.error?.code !== code)
        v.add(`${cell}: code ${res.body?.error?.code}, expected ${code}`);
    };
    /** `echoed`: an id the request itself carried, which a 404 may name back (that is no leak). */
    const noLeak = (cell: string, res: ApiResponse<unknown>, echoed?: string) => {
      leaksChecked += 1;
      const found = foreignIds.find((id) => id !== echoed && res.text.includes(id));
      if (found) v.add(`${cell}: the answer holds ${found}, another org's`);
    };
    const successOf = (route: RouteDefinition) => {
      const statuses = Object.keys(contractOf(route).responses)
        .map(Number)
        .filter((s) => s < 300);
      return statuses[0]!;
    };

    /** What a role that may act gets for `{}` on a write, from the contract (as the matrix test reasons). */
    const expectedForAllowed = (route: RouteDefinition, params: Record<string, string>, body: unknown) => {
      const contract = contractOf(route);
      if (contract.params && !contract.params.safeParse(params).success) return 400;
      if (!isRead(route) && contract.body && !contract.body.safeParse(body).success) return 400;
      if (Object.entries(params).some(([name, value]) => name !== 'org' && value === 'does_not_exist')) return 404;
      return FIRST_ANSWER[route.id] ?? successOf(route);
    };

    // Reads before writes, so a write that succeeds (cancel, settings) cannot change a read's answer.
    const ordered = [...jwtRoutes.filter(isRead), ...jwtRoutes.filter((r) => !isRead(r))];
    const total = ordered.length * identities.length * 2 + ordered.length * identities.length;
    let done = 0;

    // 1. route × identity × own/other org.
    for (const route of ordered) {
      const kind = kindOf(route);
      if (route.path.includes('{id}') && !kind) v.add(`${route.id}: names an object kind this scenario cannot seed`);
      for (const who of identities) {
        for (const target of [mine, theirs]) {
          const ids = target === mine ? own : foreign;
          const params: Record<string, string> = {};
          for (const [, name] of route.path.matchAll(/\{(\w+)\}/g)) {
            params[name!] = name === 'org' ? target.id : isRead(route) && kind ? ids[kind][0]! : 'does_not_exist';
          }
          const body = isRead(route) ? undefined : {};
          const res = await api.request(routeKey(route), { token: who.token, params, ...(body ? { body } : {}) });
          const cell = `${route.id} as ${who.name} on ${target === mine ? 'own' : 'other'} org`;
          const isMember = who.role !== 'platform';
          if (isMember && target === theirs && route.path.includes('{org}')) check(cell, res, 404, 'org_not_found');
          else if (!route.roles.includes(who.role)) check(cell, res, 403, 'forbidden');
          else check(cell, res, expectedForAllowed(route, params, body));
          if (target === mine || !route.path.includes('{org}')) noLeak(cell, res);
          progress(++done, total);
        }
      }
    }

    // 2. Another org's real object in the own org's path, for every identity that may act.
    for (const route of ordered.filter((r) => kindOf(r))) {
      for (const who of identities) {
        progress(++done, total);
        if (!route.roles.includes(who.role)) continue;
        for (const foreignId of foreign[kindOf(route)!]) {
          const body = isRead(route) ? undefined : (VALID_BODIES[route.id] ?? {});
          const res = await api.request(routeKey(route), {
            token: who.token,
            params: { org: mine.id, id: foreignId },
            ...(body !== undefined ? { body } : {}),
          });
          const cell = `${route.id} as ${who.name} with another org's ${kindOf(route)} ${foreignId}`;
          const contract = contractOf(route);
          const invalidBody = body !== undefined && contract.body && !contract.body.safeParse(body).success;
          check(cell, res, invalidBody ? 400 : 404, undefined, true);
          noLeak(cell, res, foreignId);
        }
      }
    }

    // 3. Another org's cursor on the same list.
    let cursorCells = 0;
    for (const route of jwtRoutes.filter(isRead)) {
      const query = contractOf(route).query;
      if (!(query instanceof z.ZodObject) || !('cursor' in query.shape) || !route.path.includes('{org}')) continue;
      if (route.path.includes('{id}')) continue;
      const reader = route.roles.includes('owner') ? theirs.tokens.owner : theirs.platform;
      const page = await api.request<{ next_cursor?: string | null }>(routeKey(route), {
        token: reader,
        params: { org: theirs.id },
        query: { limit: 1 },
      });
      const cursor = page.body?.next_cursor;
      if (!cursor) {
        v.add(`${route.id}: the other org's list gave no cursor to try (seed a second item)`);
        continue;
      }
      for (const who of identities.filter((i) => route.roles.includes(i.role))) {
        const res = await api.request(routeKey(route), {
          token: who.token,
          params: { org: mine.id },
          query: { limit: 1, cursor },
        });
        check(`${route.id} as ${who.name} with another org's cursor`, res, 400, 'invalid_cursor', true);
        noLeak(`${route.id} cursor`, res);
        cursorCells += 1;
      }
    }

    // 4. An Idempotency-Key another org already used, on the same route with the same body.
    const key = `proof-${theirs.id}`;
    const contact = { name: 'Same Key', email: 'same-key@proof.example', notice_kinds: ['invoice'] };
    const first = await api.request('POST /v1/orgs/{org}/contacts', {
      token: theirs.tokens.owner,
      params: { org: theirs.id },
      body: contact,
      headers: { 'idempotency-key': key },
    });
    check('addContact with a fresh key in the other org', first, 201);
    const second = await api.request('POST /v1/orgs/{org}/contacts', {
      token: mine.tokens.owner,
      params: { org: mine.id },
      body: contact,
      headers: { 'idempotency-key': key },
    });
    check("addContact with another org's Idempotency-Key", second, 201, undefined, true);
    if (second.headers.get('idempotent-replayed')) v.add("addContact replayed another org's stored response");
    noLeak('addContact with the same key', second);

    // Nothing of the other org moved: its objects are where they were.
    const after = {
      methods: (
        await api.request<{ data: { id: string; is_default: boolean }[] }>('GET /v1/orgs/{org}/payment-methods', {
          token: theirs.tokens.owner,
          params: { org: theirs.id },
        })
      ).body.data,
      contracts: await Promise.all(
        foreign.contracts.map(
          async (id) =>
            (
              await api.request<{ name: string; status: string }>('GET /v1/orgs/{org}/contracts/{id}', {
                token: theirs.tokens.owner,
                params: { org: theirs.id, id },
              })
            ).body,
        ),
      ),
      contacts: (
        await api.request<{ data: { id: string }[] }>('GET /v1/orgs/{org}/contacts', {
          token: theirs.tokens.owner,
          params: { org: theirs.id },
        })
      ).body.data,
    };
    if (!after.methods.some((m) => m.id === foreign['payment-methods'][0] && m.is_default))
      v.add("the other org's default card moved");
    if (after.contracts.some((c) => c.name.startsWith('taken') || c.status !== 'draft'))
      v.add("the other org's contract changed");
    if (foreign.contacts.some((id) => !after.contacts.some((c) => c.id === id)))
      v.add("the other org's contact was removed");
    progress(total, total);
    return {
      trials: cells,
      faults: hostile,
      violations: v.count,
      examples: v.examples,
      notes: [`${leaksChecked} answers searched for another org's ids`, `${cursorCells} cursor cells`],
    };
  },
};
