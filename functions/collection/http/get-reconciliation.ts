import { httpHandler, ok } from '../../kernel/http/http-handler';
import { getReconciliation } from '../app/reconcile-ledger';
import { deps } from '../compose';
import { COLLECTION_CONTRACT } from '../contract';
import { encodeReconciliation } from './encode';

export const handler = httpHandler(COLLECTION_CONTRACT, 'getReconciliation', async ({ params }) =>
  ok(encodeReconciliation(params.org, await getReconciliation(deps(), params.org))),
);
