import { httpHandler, ok } from '../../kernel/http/http-handler';
import { getBudgets } from '../app/budgets';
import { deps } from '../compose';
import { USAGE_CONTRACT } from '../contract';
import { encodeBudgets } from './encode';

export const handler = httpHandler(USAGE_CONTRACT, 'getBudgets', async ({ params }) =>
  ok(encodeBudgets(await getBudgets(deps(), params.org))),
);
