import { httpHandler, ok } from '../../kernel/http/http-handler';
import { contractUtilization } from '../app/contract-utilization';
import { deps } from '../compose';
import { CONTRACTS_CONTRACT } from '../contract';
import { encodeUtilization } from './encode';

export const handler = httpHandler(CONTRACTS_CONTRACT, 'getContractUtilization', async ({ params }) =>
  ok(encodeUtilization(await contractUtilization(deps(), params.org, params.id))),
);
