import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { ROLES, type Role, type RouteDefinition } from '../../routes';
import type { Actor } from '../audit';
import { AppError } from '../errors';

/** The caller, from the claims API Gateway's JWT authorizer already verified (signature, iss, aud, exp). */
export interface Principal {
  readonly sub: string;
  readonly role: Role;
  /** Unset for the platform service identity, which acts across orgs. */
  readonly orgId?: string;
}

/**
 * API Gateway passes every claim as a *string* (numbers too; arrays as "[a b]"), so claims are read as
 * strings. The authorizer has checked the signature; what is left is the product's own rules.
 */
export function principalFrom(event: APIGatewayProxyEventV2WithJWTAuthorizer): Principal {
  const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
  const sub = claimString(claims.sub);
  const role = claimString(claims.role);
  const orgId = claimString(claims.org_id);
  if (!sub || !role) throw new AppError('unauthorized', 'unauthorized', 'the token lacks the sub or role claim');
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new AppError('forbidden', 'unknown_role', `role ${role} is not a billing role`);
  }
  if (role !== 'platform' && !orgId) throw new AppError('unauthorized', 'unauthorized', 'the token lacks org_id');
  return { sub, role: role as Role, ...(orgId ? { orgId } : {}) };
}

const claimString = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;

/**
 * Org scope first, then role: a member asking about another org learns nothing (404, as if it did not
 * exist), whatever the route; only within its own org does a missing permission answer 403.
 */
export function authorize(route: RouteDefinition, principal: Principal, pathOrg: string | undefined): void {
  if (pathOrg !== undefined && principal.role !== 'platform' && principal.orgId !== pathOrg) {
    throw new AppError('not_found', 'org_not_found', `organization ${pathOrg} does not exist`);
  }
  if (!route.roles.includes(principal.role)) {
    throw new AppError('forbidden', 'forbidden', `role ${principal.role} may not ${route.summary.toLowerCase()}`);
  }
}

export const actorOf = (p: Principal): Actor => ({
  type: p.role === 'platform' ? 'service' : 'user',
  id: p.sub,
  role: p.role,
});
