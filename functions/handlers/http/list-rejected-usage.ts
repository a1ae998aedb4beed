import { usageDeps } from '../../usage-composition';
import { encodePage } from './encode-core';
import { encodeRejected } from './encode-usage';
import { httpHandler, ok } from './http-handler';

export const handler = httpHandler('listRejectedUsage', async ({ params, query }) =>
  ok(encodePage(await usageDeps().usageReader.listRejected(params.org, query), encodeRejected)),
);
