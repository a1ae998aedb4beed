import { getBudgets } from '../../app/budgets';
import { usageDeps } from '../../usage-composition';
import { encodeBudgets } from './encode-usage';
import { httpHandler, ok } from './http-handler';

export const handler = httpHandler('getBudgets', async ({ params }) =>
  ok(encodeBudgets(await getBudgets(usageDeps(), params.org))),
);
