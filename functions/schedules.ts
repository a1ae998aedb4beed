/**
 * EventBridge schedules as pure data: CDK creates one rule per entry, the local runtime runs the same
 * handler on an interval (optionally sped up for demos).
 */
export interface ScheduleDefinition {
  readonly id: string;
  /** EventBridge rate expression minutes; the local scheduler uses the same period. */
  readonly everyMinutes: number;
  /** The scheduled handler module (exports `handler`). */
  readonly entry: string;
  readonly description: string;
  /** Extra grants beyond the table (CDK gives exactly these). */
  readonly needs?: readonly ('email' | 'stripe_secret' | 'exports_queue')[];
  /**
   * The job isolates failing items (an org that fails is logged and retried next run while the rest
   * finish) and publishes `ScheduledItemFailures` (kernel/metrics.ts): CDK alarms when it persists.
   */
  readonly isolatesItemFailures?: boolean;
}

export const SCHEDULES: readonly ScheduleDefinition[] = [
  {
    id: 'advanceDunning',
    everyMinutes: 60,
    entry: 'functions/dunning/schedule/advance-dunning.ts',
    description: 'Moves orgs through past_due → grace → suspended → canceled when their deadlines pass',
    isolatesItemFailures: true,
  },
  {
    id: 'rollupPeriods',
    everyMinutes: 15,
    entry: 'functions/subscriptions/schedule/rollup-periods.ts',
    description:
      'Applies subscription changes scheduled for a period boundary (downgrades, currency switches, cancellations)',
  },
  {
    id: 'closePeriods',
    everyMinutes: 15,
    entry: 'functions/invoicing/schedule/close-periods.ts',
    description:
      'Drafts each ended period’s invoice during the late-event grace, then issues it (fees, usage, adjustments, late usage)',
  },
  {
    id: 'advanceContracts',
    everyMinutes: 15,
    entry: 'functions/contracts/schedule/advance-contracts.ts',
    description:
      'Activates signed contracts at their start, expires them at their end, sends commitment and term-end notices',
  },
  {
    id: 'collectInvoices',
    everyMinutes: 1,
    entry: 'functions/collection/schedule/collect-invoices.ts',
    description: 'Mirrors issued invoices to Stripe and charges those charged automatically (the collection outbox)',
    needs: ['stripe_secret'],
  },
  {
    id: 'retryPayments',
    everyMinutes: 60,
    entry: 'functions/collection/schedule/retry-payments.ts',
    description:
      'Charges failed invoices again on day 1, 3, 5 and 7 after the failure, with the default payment method',
    needs: ['stripe_secret'],
  },
  {
    id: 'startOverdueDunning',
    everyMinutes: 60,
    entry: 'functions/collection/schedule/start-overdue-dunning.ts',
    description: 'Starts dunning for net-terms invoices unpaid past their due date',
    needs: ['stripe_secret'],
  },
  {
    id: 'reconcileLedger',
    everyMinutes: 1440,
    entry: 'functions/collection/schedule/reconcile-ledger.ts',
    description: "Compares every org's invoices and payment attempts with Stripe's and records the drift report",
    needs: ['stripe_secret'],
  },
  {
    id: 'deliverNotices',
    everyMinutes: 1,
    entry: 'functions/notices/schedule/deliver-notices.ts',
    description: 'Sends pending notices from the outbox to the billing contacts subscribed to them',
    needs: ['email'],
    isolatesItemFailures: true,
  },
  {
    id: 'sweepExports',
    everyMinutes: 5,
    entry: 'functions/export/schedule/sweep-exports.ts',
    description: 'Enqueues billing exports whose enqueue was lost, and marks builds past their deadline failed',
    needs: ['exports_queue'],
  },
];
