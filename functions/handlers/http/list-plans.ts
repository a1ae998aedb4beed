import { currentPlans } from '../../domain/catalog/plans';
import { encodePlan } from './encode-core';
import { httpHandler, ok } from './http-handler';

export const handler = httpHandler('listPlans', async () => ok({ data: currentPlans().map(encodePlan) }));
