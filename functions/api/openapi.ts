import * as z from 'zod';
import { CONTRACT } from '../contract';
import { ExportDocument } from '../export-schema';
import type { RouteContract } from '../kernel/http/contract';
import { GatewayMessage, ProblemBody } from '../kernel/http/contract';
import { ROUTES } from '../routes';
import { UsageEvent, UsageMessage } from '../usage/event-contract';

/**
 * The OpenAPI 3 document, generated from the route table and the zod contract (never hand-written),
 * so the served document and the validating code are the same thing.
 */
type JsonSchema = Record<string, unknown>;

/**
 * OpenAPI 3.0.3's `nullable` only adds null to a `type` in the same schema: it does not widen an `enum`
 * (null must be one of its values) and means nothing beside `anyOf` alone. zod writes both forms, so a
 * validating client would reject a null it was told it may get: null goes into the enum, and onto each
 * alternative of an `anyOf`.
 */
function nullableAsOpenApi303(node: unknown): void {
  if (Array.isArray(node)) for (const item of node) nullableAsOpenApi303(item);
  else if (node && typeof node === 'object') {
    const schema = node as JsonSchema;
    if (schema.nullable === true && Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum.push(null);
    if (schema.nullable === true && schema.type === undefined && Array.isArray(schema.anyOf)) {
      delete schema.nullable;
      for (const alternative of schema.anyOf as JsonSchema[]) alternative.nullable = true;
    }
    for (const value of Object.values(schema)) nullableAsOpenApi303(value);
  }
}

const schemaOf = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' });
  nullableAsOpenApi303(rest);
  return rest;
};

function parametersOf(contract: RouteContract, path: string) {
  const params: JsonSchema[] = [];
  for (const name of path.match(/\{(\w+)\}/g) ?? []) {
    const key = name.slice(1, -1);
    const shape = contract.params instanceof z.ZodObject ? contract.params.shape[key] : undefined;
    params.push({
      name: key,
      in: 'path',
      required: true,
      schema: shape ? schemaOf(shape as z.ZodType, 'input') : { type: 'string' },
    });
  }
  if (contract.query instanceof z.ZodObject) {
    for (const [key, shape] of Object.entries(contract.query.shape)) {
      params.push({
        name: key,
        in: 'query',
        required: !(shape as z.ZodType).safeParse(undefined).success,
        schema: schemaOf(shape as z.ZodType, 'input'),
      });
    }
  }
  return params;
}

export function buildOpenApiDocument(serverUrl?: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const problemContent = { 'application/problem+json': { schema: schemaOf(ProblemBody, 'output') } };
  const gatewayContent = { 'application/json': { schema: schemaOf(GatewayMessage, 'output') } };
  for (const route of ROUTES) {
    const contract = (CONTRACT as Record<string, RouteContract>)[route.id];
    if (!contract) throw new Error(`route ${route.id} has no contract`);
    const responses: Record<string, JsonSchema> = {};
    for (const [status, schema] of Object.entries(contract.responses)) {
      // 204 has no body at all (RFC 9110), so it declares no content.
      if (status === '204') {
        responses[status] = { description: 'Success, no content' };
        continue;
      }
      const content: Record<string, unknown> = { 'application/json': { schema: schemaOf(schema, 'output') } };
      for (const type of contract.alsoProduces ?? []) content[type] = { schema: { type: 'string' } };
      responses[status] = { description: status.startsWith('2') ? 'Success' : 'Answer', content };
    }
    if (route.auth === 'jwt') {
      responses['401'] = {
        description: "API Gateway's JWT authorizer: the token is missing, expired or not ours",
        content: gatewayContent,
      };
    }
    responses['413'] = {
      description: 'API Gateway: the request body is over its payload limit',
      content: gatewayContent,
    };
    responses['4XX'] = { description: 'Client error (problem JSON with a stable code)', content: problemContent };
    responses['5XX'] = {
      description: "Server error: problem JSON from the handler, or API Gateway's message when the function failed",
      content: { ...problemContent, ...gatewayContent },
    };
    const isWrite = route.method !== 'GET';
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      operationId: route.id,
      summary: route.summary,
      ...(route.auth === 'jwt'
        ? { security: [{ bearer: [] }], 'x-allowed-roles': [...route.roles] }
        : { security: [] }),
      parameters: [
        ...parametersOf(contract, route.path),
        ...(isWrite && route.auth === 'jwt'
          ? [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }]
          : []),
      ],
      ...(contract.body
        ? {
            requestBody: {
              required: !contract.bodyOptional,
              content: { 'application/json': { schema: schemaOf(contract.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Billing layer for AI platforms',
      version: '1.0.0',
      description:
        'Plans, subscriptions, metered usage, invoices, payments, contracts and dunning. The org comes from the token; another org answers 404, a role that may not act answers 403.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      // Not HTTP bodies: the SQS message the agent runtime sends (one event or an array of them), and the
      // billing export document that `GET …/export` downloads.
      schemas: {
        UsageEvent: schemaOf(UsageEvent, 'input'),
        UsageMessage: schemaOf(UsageMessage, 'input'),
        ExportDocument: schemaOf(ExportDocument, 'output'),
      },
    },
    paths,
  };
}
