import { encodePage } from '../../kernel/http/encode';
import { httpHandler, ok } from '../../kernel/http/http-handler';
import { listExports } from '../app/read-exports';
import { deps } from '../compose';
import { EXPORT_CONTRACT } from '../contract';
import { encodeView } from './encode';

export const handler = httpHandler(EXPORT_CONTRACT, 'listExports', async ({ params, query }) =>
  ok(
    encodePage(
      await listExports(deps(), params.org, { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }),
      encodeView,
    ),
  ),
);
