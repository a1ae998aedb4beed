import { created, httpHandler } from '../../kernel/http/http-handler';
import { createContract } from '../app/draft-contract';
import { deps } from '../compose';
import { CONTRACTS_CONTRACT } from '../contract';
import type { ContractTerms } from '../domain/contract';
import { encodeContract, termsFromWire } from './encode';

export const handler = httpHandler(CONTRACTS_CONTRACT, 'createContract', async ({ params, body, ctx }) =>
  created(encodeContract(await createContract(deps(), ctx, params.org, termsFromWire(body) as ContractTerms))),
);
