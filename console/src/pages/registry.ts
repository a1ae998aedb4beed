import type { FunctionComponent } from 'preact';
import type { PageContext } from '../ui';
import { AuditPage } from './audit';
import { ContactsPage } from './contacts';
import { ContractsPage } from './contracts';
import { InvoicesPage } from './invoices';
import { OverviewPage } from './overview';
import { PaymentMethodsPage } from './payment-methods';
import { PlansPage } from './plans';
import { UsagePage } from './usage';

/**
 * The console's pages. A page is listed in the navigation when the API serves its `operation` and
 * this role may call it (read from the served OpenAPI document), so a developer or viewer never sees a
 * page whose first call would answer 403, and a page for an API that is not deployed yet stays hidden.
 *
 * A new page: write `pages/<name>.tsx` and add it here with the operation its first call needs;
 * `npm run console:build` regenerates the API types from the contract, so its calls are type-checked.
 */
export interface PageDefinition {
  route: string;
  title: string;
  operation: string;
  component: FunctionComponent<PageContext>;
}

export const PAGES: readonly PageDefinition[] = [
  { route: 'overview', title: 'Overview', operation: 'getSubscription', component: OverviewPage },
  { route: 'usage', title: 'Usage', operation: 'getCosts', component: UsagePage },
  { route: 'invoices', title: 'Invoices', operation: 'listInvoices', component: InvoicesPage },
  { route: 'plans', title: 'Plans', operation: 'listPlans', component: PlansPage },
  {
    route: 'payment-methods',
    title: 'Payment methods',
    operation: 'listPaymentMethods',
    component: PaymentMethodsPage,
  },
  { route: 'contracts', title: 'Contracts', operation: 'listContracts', component: ContractsPage },
  { route: 'contacts', title: 'Contacts', operation: 'listContacts', component: ContactsPage },
  { route: 'audit', title: 'Audit trail', operation: 'listAudit', component: AuditPage },
];
