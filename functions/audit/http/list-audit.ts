import { encodePage } from '../../kernel/http/encode';
import { httpHandler, ok } from '../../kernel/http/http-handler';
import { listAudit } from '../app/list-audit';
import { deps } from '../compose';
import { AUDIT_CONTRACT } from '../contract';
import { encodeAudit } from './encode';

export const handler = httpHandler(AUDIT_CONTRACT, 'listAudit', async ({ params, query }) =>
  ok(encodePage(await listAudit(deps(), params.org, query), encodeAudit)),
);
