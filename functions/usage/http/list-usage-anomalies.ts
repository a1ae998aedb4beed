import { encodePage } from '../../kernel/http/encode';
import { httpHandler, ok } from '../../kernel/http/http-handler';
import { listAnomalies } from '../app/anomalies';
import { deps } from '../compose';
import { USAGE_CONTRACT } from '../contract';
import { encodeAnomaly } from './encode';

export const handler = httpHandler(USAGE_CONTRACT, 'listUsageAnomalies', async ({ params, query }) =>
  ok(encodePage(await listAnomalies(deps(), params.org, query), encodeAnomaly)),
);
