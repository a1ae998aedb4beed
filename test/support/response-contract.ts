import Ajv, { type ValidateFunction } from 'ajv';
import { buildOpenApiDocument } from '../../functions/api/openapi';
import { ROUTES, type RouteDefinition } from '../../functions/routes';
import { compileRoutes, matchRoute } from '../../scripts/local/gateway';

/**
 * Every answer the test API receives is checked against the served OpenAPI document (the one
 * `GET /openapi.json` publishes, built from the routes' zod contracts): the status must be one the
 * operation declares (or fall in its 4XX / 5XX), the content type one that status declares, and a JSON
 * body must match its schema with no property beyond it. So a handler that grows a field without the
 * contract, drops a required one, or answers a status the document never mentions fails the test that
 * made the request, not a client in production.
 *
 * The schemas are output schemas (`io: 'output'`): objects are closed (`additionalProperties: false`),
 * and `nullable` is OpenAPI 3.0's, which Ajv understands.
 */
type Json = Record<string, any>;

let document: Json | undefined;
const validators = new Map<string, ValidateFunction>();
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

function validatorFor(key: string, schema: Json): ValidateFunction {
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    validators.set(key, validate);
  }
  return validate;
}

/** Why the answer is outside the document, or undefined when it is inside. */
export function contractViolation(
  route: RouteDefinition,
  status: number,
  contentType: string | null,
  body: unknown,
): string | undefined {
  document ??= buildOpenApiDocument();
  const operation = document.paths?.[route.path]?.[route.method.toLowerCase()];
  if (!operation) return `the document has no operation ${route.method} ${route.path}`;
  const declared = operation.responses as Json;
  const range = `${String(status)[0]}XX`;
  const response = declared[String(status)] ?? declared[range];
  if (!response) return `answered ${status}; the document declares ${Object.keys(declared).join(', ')}`;
  const type = (contentType ?? '').split(';')[0]!.trim();
  const content = response.content as Json | undefined;
  if (!content) return type ? `answered ${status} with ${type}; the document declares no body for it` : undefined;
  const media = content[type];
  if (!media)
    return `answered ${status} with ${type || 'no content type'}; the document declares ${Object.keys(content).join(', ')}`;
  if (!type.endsWith('json')) return undefined;
  const validate = validatorFor(`${route.id} ${status} ${type}`, media.schema);
  if (validate(body)) return undefined;
  return `answered ${status} outside its schema: ${ajv.errorsText(validate.errors, { dataVar: 'body' })}`;
}

const compiled = compileRoutes(ROUTES);

/** The route the gateway serves for `method path` (the query left out), for clients that call by path. */
export function routeAt(method: string, path: string): RouteDefinition {
  const matched = matchRoute(compiled, method, path.split('?')[0]!);
  if (!matched) throw new Error(`${method} ${path} is no route of the table`);
  return matched.route;
}

/** Throws when the answer is outside the document, naming the route and (given `text`) the body's start. */
export function assertAnswerInContract(
  route: RouteDefinition,
  answer: { status: number; contentType: string | null; body: unknown; text?: string },
): void {
  const violation = contractViolation(route, answer.status, answer.contentType, answer.body);
  if (!violation) return;
  const shown = answer.text === undefined ? '' : `\n${answer.text.slice(0, 2000)}`;
  throw new Error(`${route.method} ${route.path} ${violation}${shown}`);
}
