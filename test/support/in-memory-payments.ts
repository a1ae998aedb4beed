import type { AuditEntry } from '../../functions/kernel/audit';
import type { BillingStatus } from '../../functions/kernel/billing-status';
import { initialBillingStatus } from '../../functions/kernel/billing-status';
import type { ReconcileDeps } from '../../functions/payments/app/reconcile-stripe-event';
import type { InboxOutcome, InboxRecord, StripeEventInbox } from '../../functions/payments/app/stripe-events';
import type { PaymentMethodMirror } from '../../functions/payments/domain/payment-method';
import type { DisputeRecord } from '../../functions/payments/domain/payments';

const TERMINAL = new Set(['handled', 'awaiting_handler', 'ignored', 'failed', 'superseded']);

/**
 * In-memory stores with the SAME conditions as the DynamoDB ones (inbox terminal status, watermark
 * equality, dispute observedAt, billing-status version), each write atomic: for fast property runs of
 * the real reconcile use case. The DynamoDB versions run the same properties in integration tests.
 */
export function inMemoryReconcileStores(orgId: string, customerId: string, at: string) {
  const inboxItems = new Map<string, InboxRecord>();
  const mirror = new Map<string, PaymentMethodMirror>();
  const disputes = new Map<string, DisputeRecord>();
  const audits: AuditEntry[] = [];
  let watermark: string | undefined;
  let status: BillingStatus = initialBillingStatus(orgId, at);

  const terminal = (eventId: string) => TERMINAL.has(inboxItems.get(eventId)?.status ?? '');
  const finish = (eventId: string, outcome: InboxOutcome) =>
    inboxItems.set(eventId, { eventId, type: outcome.type ?? '', created: 0, status: outcome.status });

  const inbox: StripeEventInbox = {
    async claim() {
      return 'claimed';
    },
    async markQueued() {},
    async release() {},
    async get(eventId) {
      return inboxItems.get(eventId);
    },
    async finish(eventId, outcome) {
      if (terminal(eventId)) return false;
      finish(eventId, outcome);
      return true;
    },
    finishPart(eventId, outcome) {
      return { dynamodb: { eventId, outcome } };
    },
  };

  const stores: Omit<ReconcileDeps, 'clock' | 'ids' | 'paymentGateway'> = {
    inbox,
    // Invoice events are collection's (tested with its own model): here they only finish the record.
    invoiceEvents: {
      async handle(_event, handOff) {
        return (await handOff.finish({ status: 'ignored', code: 'not_modelled' })) ? 'ignored' : 'duplicate';
      },
    },
    stripeCustomers: {
      async customerOf(org) {
        return org === orgId ? customerId : undefined;
      },
      async orgOf(customer) {
        return customer === customerId ? orgId : undefined;
      },
      async link() {
        return customerId;
      },
      async getLink(org) {
        return org === orgId
          ? { customerId, ...(watermark ? { paymentMethodsObservedAt: watermark } : {}) }
          : undefined;
      },
    },
    paymentMethodMirror: {
      async list() {
        return [...mirror.values()];
      },
      async apply(_org, plan, observedAt, expected, audit, write) {
        if (terminal(write.eventId)) return 'already_handled';
        if (watermark !== expected || (expected !== undefined && expected > observedAt)) return 'conflict';
        watermark = observedAt;
        for (const m of plan.upserts) mirror.set(m.id, m);
        for (const id of plan.deletes) mirror.delete(id);
        if (audit) audits.push(audit);
        finish(write.eventId, write.outcome);
        return 'applied';
      },
    },
    disputes: {
      async get(_org, id) {
        return disputes.get(id);
      },
      async apply(write) {
        if (write.inbox && terminal(write.inbox.eventId)) return 'already_handled';
        const current = disputes.get(write.record.id);
        if (current?.observedAt !== write.expectedObservedAt) return 'conflict';
        if (write.billingStatus && write.billingStatus.expectedVersion !== status.version) return 'conflict';
        disputes.set(write.record.id, write.record);
        if (write.billingStatus) status = write.billingStatus.next;
        audits.push(...write.audits);
        if (write.inbox) finish(write.inbox.eventId, write.inbox.outcome);
        return 'applied';
      },
    },
    billingStatus: {
      async get() {
        return status;
      },
    },
  };
  return {
    stores,
    view: () => ({ mirror: [...mirror.values()], disputes: [...disputes.values()], status, audits, inboxItems }),
  };
}
