import { httpHandler, ok } from '../../kernel/http/http-handler';
import { encodePage } from '../../orgs/http/encode';
import { usageDeps } from '../compose';
import { encodeRejected } from './encode';

export const handler = httpHandler('listRejectedUsage', async ({ params, query }) =>
  ok(encodePage(await usageDeps().usageReader.listRejected(params.org, query), encodeRejected)),
);
