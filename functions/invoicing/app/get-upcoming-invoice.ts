import { periodOf } from '../../kernel/period';
import type { Invoice } from '../domain/invoice';
import { planClose } from './close-period';
import type { InvoicingDeps } from './invoicing-common';

/**
 * The current period as it would be invoiced if it closed now (status `preview`, never stored): the
 * same plan the period close makes, from the same inputs, so the close bills exactly this for the same
 * usage — including fees in advance, pending adjustments, late usage and credits.
 */
export async function getUpcomingInvoice(deps: InvoicingDeps, orgId: string): Promise<Invoice> {
  const now = deps.clock.now();
  const { plan } = await planClose(deps, orgId, periodOf(now), now, 'preview');
  return plan.invoices.find((i) => i.kind === 'period') ?? plan.invoices[0]!;
}
