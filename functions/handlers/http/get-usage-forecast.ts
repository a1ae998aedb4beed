import { getForecast } from '../../app/usage-analytics';
import { usageDeps } from '../../usage-composition';
import { encodeForecast } from './encode-usage';
import { httpHandler, ok } from './http-handler';

export const handler = httpHandler('getUsageForecast', async ({ params }) =>
  ok(encodeForecast(await getForecast(usageDeps(), params.org))),
);
