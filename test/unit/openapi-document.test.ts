import { buildOpenApiDocument } from '../../functions/api/openapi';
import { ROUTES } from '../../functions/routes';
import { assertAnswerInContract, contractViolation, routeAt } from '../support/response-contract';

const document = buildOpenApiDocument() as { paths: Record<string, Record<string, any>> };
const route = (id: string) => ROUTES.find((r) => r.id === id)!;
const operation = (id: string) => document.paths[route(id).path]![route(id).method.toLowerCase()]!;

function schemasIn(node: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(node)) for (const item of node) schemasIn(item, out);
  else if (node && typeof node === 'object') {
    out.push(node as Record<string, unknown>);
    for (const value of Object.values(node)) schemasIn(value, out);
  }
  return out;
}

describe('the OpenAPI document', () => {
  it('lists null among the values of every nullable enum (OpenAPI 3.0.3: nullable does not widen an enum)', () => {
    const nullableEnums = schemasIn(document).filter((s) => s.nullable === true && Array.isArray(s.enum));
    expect(nullableEnums.length).toBeGreaterThan(0);
    for (const s of nullableEnums) expect(s.enum).toContain(null);
  });

  it('puts nullable only beside a type, as OpenAPI 3.0.3 reads it (an anyOf carries it on each alternative)', () => {
    for (const s of schemasIn(document).filter((s) => s.nullable === true)) expect(s.type).toBeDefined();
  });

  it('declares no body for a 204', () => {
    for (const id of ['removeContact', 'removePaymentMethod']) {
      expect(operation(id).responses['204']).toEqual({ description: expect.any(String) });
    }
  });

  it("declares API Gateway's own 401 on every JWT route and on no public one, and its message on 413 and 5XX", () => {
    for (const r of ROUTES) {
      const responses = document.paths[r.path]![r.method.toLowerCase()]!.responses;
      expect(Boolean(responses['401'])).toBe(r.auth === 'jwt');
      expect(Object.keys(responses['413'].content)).toEqual(['application/json']);
      expect(Object.keys(responses['5XX'].content).sort()).toEqual(['application/json', 'application/problem+json']);
    }
  });
});

describe('the response check the test API runs on every answer', () => {
  const health = route('getHealth');
  const ok = { status: 'ok', now: '2026-12-02T00:00:00.000Z', time: '2026-12-02T00:00:00.000Z', clock: { speed: 1 } };

  it('accepts an answer the document describes', () => {
    expect(contractViolation(health, 200, 'application/json; charset=utf-8', ok)).toBeUndefined();
    expect(
      contractViolation(route('getOrg'), 404, 'application/problem+json', {
        error: { code: 'org_not_found', message: 'no such org' },
      }),
    ).toBeUndefined();
    expect(contractViolation(route('getOrg'), 401, 'application/json', { message: 'Unauthorized' })).toBeUndefined();
    expect(contractViolation(route('removeContact'), 204, null, undefined)).toBeUndefined();
  });

  it('rejects a field the document does not name, and a missing one', () => {
    expect(contractViolation(health, 200, 'application/json', { ...ok, build: 'abc' })).toMatch(
      /must NOT have additional properties/,
    );
    const { time: _time, ...missing } = ok;
    expect(contractViolation(health, 200, 'application/json', missing)).toMatch(/must have required property 'time'/);
  });

  it('rejects a status, a content type or a body the document does not declare', () => {
    expect(contractViolation(health, 201, 'application/json', ok)).toMatch(/answered 201; the document declares/);
    expect(contractViolation(health, 200, 'text/plain', 'ok')).toMatch(/with text\/plain/);
    expect(contractViolation(route('removeContact'), 204, 'application/json', null)).toMatch(/declares no body/);
    expect(contractViolation(route('getOrg'), 404, 'application/json', { message: 'Not Found' })).toMatch(
      /application\/problem\+json/,
    );
  });

  it('throws for a client that calls by path, naming the route it matched and the start of the body', () => {
    expect(routeAt('GET', '/v1/orgs/org_a/invoices/upcoming?limit=1').id).toBe('getUpcomingInvoice');
    expect(() => routeAt('GET', '/v1/nowhere')).toThrow('GET /v1/nowhere is no route of the table');
    expect(() =>
      assertAnswerInContract(health, { status: 200, contentType: 'application/json', body: {}, text: '{}' }),
    ).toThrow(/^GET \/v1\/health answered 200 outside its schema: .*\n\{\}$/s);
  });
});
