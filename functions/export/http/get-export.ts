import { httpHandler, ok } from '../../kernel/http/http-handler';
import { getExport } from '../app/read-exports';
import { deps } from '../compose';
import { EXPORT_CONTRACT } from '../contract';
import { encodeView } from './encode';

export const handler = httpHandler(EXPORT_CONTRACT, 'getExport', async ({ params }) =>
  ok(encodeView(await getExport(deps(), params.org, params.id))),
);
