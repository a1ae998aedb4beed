import type { PlanVersion } from '../domain/catalog/plans';
import { notFound } from '../domain/errors';
import type { Org } from '../domain/org';
import { freeTerms, type PlanTerms, planOf, type RatingSheet, ratingSheetFor } from '../domain/rating';
import type { TermsReader } from './ports';

/**
 * The terms usage is rated under: the subscriptions capability's TermsReader when it is wired and has
 * terms for the org, otherwise the free plan in the org's default currency.
 */
export interface ResolvedTerms extends PlanTerms {
  readonly plan: PlanVersion;
  readonly sheet: RatingSheet;
}

export async function resolveTerms(
  terms: TermsReader | undefined,
  org: Org | undefined,
  orgId: string,
  at: Date,
): Promise<ResolvedTerms> {
  if (!org) throw notFound('org_not_found', `organization ${orgId} does not exist`);
  const found = (await terms?.termsAt(orgId, at)) ?? freeTerms(org.defaultCurrency);
  const plan = planOf(found);
  return {
    planId: found.planId,
    planVersion: found.planVersion,
    billingModel: found.billingModel,
    currency: found.currency,
    plan,
    sheet: ratingSheetFor(plan, found.billingModel, found.currency),
  };
}
