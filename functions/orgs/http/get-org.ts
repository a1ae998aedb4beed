import { httpHandler, ok } from '../../kernel/http/http-handler';
import { getOrg } from '../app/get-org';
import { deps } from '../compose';
import { ORGS_CONTRACT } from '../contract';
import { encodeOrg } from './encode';

export const handler = httpHandler(ORGS_CONTRACT, 'getOrg', async ({ params }) =>
  ok(encodeOrg(await getOrg(deps(), params.org))),
);
