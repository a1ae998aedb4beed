import { deps } from '../../kernel/compose';
import { httpHandler, ok } from '../../kernel/http/http-handler';
import { encodeAudit, encodePage } from '../../orgs/http/encode';
import { listAudit } from '../app/list-audit';

export const handler = httpHandler('listAudit', async ({ params, query }) =>
  ok(encodePage(await listAudit(deps(), params.org, query), encodeAudit)),
);
