export type { InvoiceDrift, SandboxControl } from './control';
export type { DisputeUpdate } from './disputes';
export type { DelayRule, FailRule, PathMatch } from './faults';
export { parseForm } from './form';
export { DEFAULT_RETRY_DELAYS_MS, type StripeSandbox, type StripeSandboxOptions, startStripeSandbox } from './server';
export { type Delivery, type DeliveryStats, type DeliveryStatus, type ReleaseOrder, signatureHeader } from './webhooks';
