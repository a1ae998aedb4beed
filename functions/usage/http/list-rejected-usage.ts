import { encodePage } from '../../kernel/http/encode';
import { httpHandler, ok } from '../../kernel/http/http-handler';
import { deps } from '../compose';
import { USAGE_CONTRACT } from '../contract';
import { encodeRejected } from './encode';

export const handler = httpHandler(USAGE_CONTRACT, 'listRejectedUsage', async ({ params, query }) =>
  ok(encodePage(await deps().usageReader.listRejected(params.org, query), encodeRejected)),
);
