import type { ExportSources } from '../export/ports';
import type { Kernel } from '../kernel/compose';
import { once } from '../kernel/streams';
import { DynamoBillingCalendar } from './adapters/billing-calendar';
import { DynamoOrgStore } from './adapters/org-store';
import { getBillingStatus } from './app/get-billing-status';
import { encodeBillingStatus, encodeOrg } from './http/encode';
import type { BillingCalendar, OrgReader } from './ports';

/**
 * What the orgs capability offers the composition roots of the others: the real implementation of its
 * ports, built from the kernel. Only `compose.ts` and `provides.ts` files import another capability's
 * `provides.ts`; use cases see the port.
 */
export const orgReader = (k: Kernel): OrgReader => new DynamoOrgStore(k.db, k.config.tableName);

/** The billing calendar the period close reads and advances. */
export const billingCalendar = (k: Kernel): BillingCalendar => new DynamoBillingCalendar(k.db, k.config.tableName);

/** The org and its billing standing, as sections of the billing export (encoded as the API answers them). */
export function orgExportSections(k: Kernel): Pick<ExportSources, 'org' | 'billing_status'> {
  const orgs = new DynamoOrgStore(k.db, k.config.tableName);
  return {
    org: {
      read: (orgId) =>
        once(async () => {
          const org = await orgs.get(orgId, { consistent: true });
          return org ? encodeOrg(org) : null;
        }),
    },
    billing_status: {
      read: (orgId) =>
        once(async () => encodeBillingStatus(await getBillingStatus({ billingStatus: k.billingStatus }, orgId))),
    },
  };
}
