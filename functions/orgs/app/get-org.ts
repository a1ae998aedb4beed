import { notFound } from '../../kernel/errors';
import type { Org } from '../../kernel/org';
import type { OrgReader } from '../ports';

export async function getOrg(deps: { orgs: OrgReader }, orgId: string): Promise<Org> {
  const org = await deps.orgs.get(orgId);
  if (!org) throw notFound('org_not_found', `organization ${orgId} does not exist`);
  return org;
}
