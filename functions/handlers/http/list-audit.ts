import { listAudit } from '../../app/list-audit';
import { deps } from '../../composition';
import { encodeAudit, encodePage } from './encode-core';
import { httpHandler, ok } from './http-handler';

export const handler = httpHandler('listAudit', async ({ params, query }) =>
  ok(encodePage(await listAudit(deps(), params.org, query), encodeAudit)),
);
