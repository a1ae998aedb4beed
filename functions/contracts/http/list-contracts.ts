import { httpHandler, ok } from '../../kernel/http/http-handler';
import { listContracts } from '../app/read-contracts';
import { deps } from '../compose';
import { CONTRACTS_CONTRACT } from '../contract';
import { encodeContract } from './encode';

export const handler = httpHandler(CONTRACTS_CONTRACT, 'listContracts', async ({ params }) =>
  ok({ data: (await listContracts(deps(), params.org)).map(encodeContract), next_cursor: null }),
);
