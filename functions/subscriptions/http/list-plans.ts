import { httpHandler, ok } from '../../kernel/http/http-handler';
import { currentPlans } from '../../kernel/pricing/plans';
import { encodePlan } from '../../orgs/http/encode';

export const handler = httpHandler('listPlans', async () => ok({ data: currentPlans().map(encodePlan) }));
