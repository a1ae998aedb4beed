import { accepted, httpHandler } from '../../kernel/http/http-handler';
import { requestExport } from '../app/request-export';
import { deps } from '../compose';
import { EXPORT_CONTRACT } from '../contract';
import { encodeExport } from './encode';

export const handler = httpHandler(EXPORT_CONTRACT, 'createExport', async ({ params, ctx }) =>
  accepted(encodeExport(await requestExport(deps(), params.org, ctx))),
);
