import { httpHandler, ok } from '../../kernel/http/http-handler';
import { currentPlans } from '../../kernel/pricing/plans';
import { SUBSCRIPTIONS_CONTRACT } from '../contract';
import { encodePlan } from './encode';

export const handler = httpHandler(SUBSCRIPTIONS_CONTRACT, 'listPlans', async () =>
  ok({ data: currentPlans().map(encodePlan) }),
);
