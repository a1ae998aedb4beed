import { httpHandler, ok } from '../../kernel/http/http-handler';
import { getForecast } from '../app/usage-forecast';
import { deps } from '../compose';
import { USAGE_CONTRACT } from '../contract';
import { encodeForecast } from './encode';

export const handler = httpHandler(USAGE_CONTRACT, 'getUsageForecast', async ({ params }) =>
  ok(encodeForecast(await getForecast(deps(), params.org))),
);
