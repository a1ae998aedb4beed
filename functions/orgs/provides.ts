import type { Kernel } from '../kernel/compose';
import { DynamoBillingCalendar } from './adapters/billing-calendar';
import { DynamoOrgStore } from './adapters/org-store';
import type { BillingCalendar, OrgReader } from './ports';

/**
 * What the orgs capability offers the composition roots of the others: the real implementation of its
 * ports, built from the kernel. Only `compose.ts` and `provides.ts` files import another capability's
 * `provides.ts`; use cases see the port.
 */
export const orgReader = (k: Kernel): OrgReader => new DynamoOrgStore(k.db, k.config.tableName);

/** The billing calendar the period close reads and advances. */
export const billingCalendar = (k: Kernel): BillingCalendar => new DynamoBillingCalendar(k.db, k.config.tableName);
