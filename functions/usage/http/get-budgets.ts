import { httpHandler, ok } from '../../kernel/http/http-handler';
import { getBudgets } from '../app/budgets';
import { usageDeps } from '../compose';
import { encodeBudgets } from './encode';

export const handler = httpHandler('getBudgets', async ({ params }) =>
  ok(encodeBudgets(await getBudgets(usageDeps(), params.org))),
);
