import { httpHandler, ok } from '../../kernel/http/http-handler';
import { getForecast } from '../app/usage-analytics';
import { usageDeps } from '../compose';
import { encodeForecast } from './encode';

export const handler = httpHandler('getUsageForecast', async ({ params }) =>
  ok(encodeForecast(await getForecast(usageDeps(), params.org))),
);
