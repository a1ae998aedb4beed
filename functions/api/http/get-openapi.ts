import { httpHandler, ok } from '../../kernel/http/http-handler';
import { API_CONTRACT } from '../contract';
import { buildOpenApiDocument } from '../openapi';

let document: Record<string, unknown> | undefined;

/** Built once per cold start: the document only changes with a deployment. */
export const handler = httpHandler(API_CONTRACT, 'getOpenApi', async () => {
  document ??= buildOpenApiDocument();
  return ok(document, { 'cache-control': 'public, max-age=300' });
});
