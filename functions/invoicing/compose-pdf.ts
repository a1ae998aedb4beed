import { compositionRoot, type Kernel } from '../kernel/compose';
import { PdfLibInvoiceRenderer } from './adapters/pdf-renderer';
import { buildInvoicingDeps } from './compose';

/** Invoicing with the PDF renderer: only the invoice detail route (JSON or PDF) imports this module. */
export function buildInvoicePdfDeps(k: Kernel) {
  return { ...buildInvoicingDeps(k), pdf: new PdfLibInvoiceRenderer() };
}

export const { deps, buildDeps, setDepsForTesting } = compositionRoot(buildInvoicePdfDeps);
