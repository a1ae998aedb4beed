import { httpHandler, ok } from '../../kernel/http/http-handler';
import { updateContract } from '../app/draft-contract';
import { deps } from '../compose';
import { CONTRACTS_CONTRACT } from '../contract';
import { encodeContract, termsFromWire } from './encode';

export const handler = httpHandler(CONTRACTS_CONTRACT, 'updateContract', async ({ params, body, ctx }) =>
  ok(encodeContract(await updateContract(deps(), ctx, params.org, params.id, termsFromWire(body)))),
);
