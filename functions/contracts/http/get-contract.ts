import { httpHandler, ok } from '../../kernel/http/http-handler';
import { getContract } from '../app/read-contracts';
import { deps } from '../compose';
import { CONTRACTS_CONTRACT } from '../contract';
import { encodeContract } from './encode';

export const handler = httpHandler(CONTRACTS_CONTRACT, 'getContract', async ({ params }) =>
  ok(encodeContract(await getContract(deps(), params.org, params.id))),
);
