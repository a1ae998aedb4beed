import * as z from 'zod';
import { CONTRACT } from '../contract';
import { ExportDocument } from '../export-schema';
import type { RouteContract } from '../kernel/http/contract';
import { ProblemBody } from '../kernel/http/contract';
import { ROUTES } from '../routes';
import { UsageEvent, UsageMessage } from '../usage/event-contract';

/**
 * The OpenAPI 3 document, generated from the route table and the zod contract (never hand-written),
 * so the served document and the validating code are the same thing.
 */
type JsonSchema = Record<string, unknown>;

const schemaOf = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' });
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
  const problem = { content: { 'application/problem+json': { schema: schemaOf(ProblemBody, 'output') } } };
  for (const route of ROUTES) {
    const contract = (CONTRACT as Record<string, RouteContract>)[route.id];
    if (!contract) throw new Error(`route ${route.id} has no contract`);
    const responses: Record<string, JsonSchema> = {};
    for (const [status, schema] of Object.entries(contract.responses)) {
      const content: Record<string, unknown> = { 'application/json': { schema: schemaOf(schema, 'output') } };
      for (const type of contract.alsoProduces ?? []) content[type] = { schema: { type: 'string' } };
      responses[status] = { description: status.startsWith('2') ? 'Success' : 'Answer', content };
    }
    responses['4XX'] = { description: 'Client error (problem JSON with a stable code)', ...problem };
    responses['5XX'] = { description: 'Server error', ...problem };
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
