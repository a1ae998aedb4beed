import type { Kernel } from '../kernel/compose';
import { orgReader } from '../orgs/provides';
import { DynamoSubscriptionStore } from './adapters/subscription-store';
import { SubscriptionTermsReader } from './app/subscription-terms';
import type { PaidSubscriptionReader, TermsReader } from './ports';

/**
 * The terms timeline usage is rated under (usage, invoicing, contracts read it), and whether the org has
 * a paid subscription (the payments capability's last-payment-method rule).
 */
export const termsReader = (k: Kernel): TermsReader & PaidSubscriptionReader =>
  new SubscriptionTermsReader({
    clock: k.clock,
    orgs: orgReader(k),
    subscriptions: new DynamoSubscriptionStore(k.db, k.config.tableName),
  });
