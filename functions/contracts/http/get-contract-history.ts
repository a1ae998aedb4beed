import { httpHandler, ok } from '../../kernel/http/http-handler';
import { contractHistory } from '../app/read-contracts';
import { deps } from '../compose';
import { CONTRACTS_CONTRACT } from '../contract';
import { encodeEvent } from './encode';

export const handler = httpHandler(CONTRACTS_CONTRACT, 'getContractHistory', async ({ params }) =>
  ok({ data: (await contractHistory(deps(), params.org, params.id)).map(encodeEvent), next_cursor: null }),
);
