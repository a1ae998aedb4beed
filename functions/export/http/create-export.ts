import { accepted, httpHandler } from '../../kernel/http/http-handler';
import { summaryOf } from '../app/read-exports';
import { requestExport } from '../app/request-export';
import { deps } from '../compose';
import { EXPORT_CONTRACT } from '../contract';
import { encodeView } from './encode';

export const handler = httpHandler(EXPORT_CONTRACT, 'createExport', async ({ params, ctx }) =>
  accepted(encodeView(summaryOf(deps(), await requestExport(deps(), params.org, ctx)))),
);
