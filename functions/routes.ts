/**
 * The one route table. Pure data: CDK builds one Lambda + one API Gateway route per entry, the local
 * gateway serves the same entries with the same handler modules, and a test proves every entry has an
 * auth rule and a test. Adding a route means adding a row here and a handler file at `entry`.
 *
 * `auth`:
 *  - `none`: public (health, OpenAPI, plan catalog is still JWT so it is not here);
 *  - `jwt`: API Gateway JWT authorizer, then the handler enforces `roles` and org scope;
 *  - `stripe_signature`: no JWT; the handler verifies Stripe's signature on the raw body.
 *
 * `roles` lists who may call. Members (owner, billing_admin, developer, viewer) are always confined to
 * their token's org (another org answers 404); `platform` is a service identity that may act on any org.
 */
export const ROLES = ['platform', 'owner', 'billing_admin', 'developer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const MEMBER_ROLES: readonly Role[] = ['owner', 'billing_admin', 'developer', 'viewer'];
export const BILLING_ADMINS: readonly Role[] = ['owner', 'billing_admin'];
export const ANY_ROLE: readonly Role[] = ROLES;

/**
 * Lambda timeout of every route. API Gateway gives up after 30 s; a route that needs longer is a design
 * error, not a timeout to raise. Outbound calls (Stripe) are budgeted to finish inside it, so the
 * Idempotency-Key record is always completed or released before the function is stopped.
 */
export const API_FUNCTION_TIMEOUT_SECONDS = 10;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type RouteAuth = 'none' | 'jwt' | 'stripe_signature';

export interface RouteDefinition {
  /** Stable id: names the Lambda, the log field `route` and the handler lookup. camelCase. */
  readonly id: string;
  readonly method: HttpMethod;
  /** API Gateway path syntax: `{name}` is a path parameter. */
  readonly path: string;
  readonly auth: RouteAuth;
  readonly roles: readonly Role[];
  /** The handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  /** One line for the OpenAPI document. */
  readonly summary: string;
  /** Extra resources the handler needs beyond the table (CDK grants exactly these). */
  readonly needs?: readonly (
    | 'usage_queue'
    | 'stripe_events_queue'
    | 'stripe_secret'
    | 'webhook_secret'
    | 'email'
    | 'exports_queue'
    /** Read (presign downloads) of the export documents. */
    | 'exports_bucket'
  )[];
  /**
   * Large libraries the handler bundles on purpose (the bundle-size test allows them, and only them,
   * to make the bundle bigger). The Stripe SDK is implied by the Stripe needs.
   */
  readonly heavyLibraries?: readonly 'pdf-lib'[];
  /**
   * What the handler does with the table (CDK grants exactly this): `read_write` (the default: item reads
   * and writes, the audit trail, idempotency records), `health_check` (one GetItem of the health key) or
   * `none` (never touches it).
   */
  readonly table?: TableAccess;
  /** Per-route API Gateway throttle, apart from the stage's; public routes have their own small budget. */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * A per-org budget (a fixed-window counter in the table) for reads that are expensive to serve; past
   * it the route answers 429 with Retry-After. Works the same locally and on AWS.
   */
  readonly rateLimit?: RateLimitBucket;
}

export type TableAccess = 'read_write' | 'health_check' | 'none';
export type RateLimitBucket = 'expensive_read';

/** The capability folders that own routes (functions/<capability>/http/<file>.ts). */
export type Capability =
  | 'api'
  | 'orgs'
  | 'audit'
  | 'subscriptions'
  | 'usage'
  | 'payments'
  | 'notices'
  | 'invoicing'
  | 'contracts'
  | 'collection'
  | 'export';

const http = (capability: Capability, file: string) => `functions/${capability}/http/${file}.ts`;

export const ROUTES: readonly RouteDefinition[] = [
  {
    id: 'getHealth',
    method: 'GET',
    path: '/v1/health',
    auth: 'none',
    roles: [],
    entry: http('api', 'get-health'),
    summary: 'Liveness and table reachability',
    table: 'health_check',
    // Anonymous: its own small budget, so a flood of health checks cannot use up the stage's.
    throttle: { rateLimit: 20, burstLimit: 40 },
  },
  {
    id: 'getOpenApi',
    method: 'GET',
    path: '/v1/openapi.json',
    auth: 'none',
    roles: [],
    entry: http('api', 'get-openapi'),
    summary: 'This OpenAPI document',
    table: 'none',
    throttle: { rateLimit: 10, burstLimit: 20 },
  },
  {
    id: 'provisionOrg',
    method: 'PUT',
    path: '/v1/orgs/{org}',
    auth: 'jwt',
    roles: ['platform'],
    entry: http('orgs', 'provision-org'),
    summary: 'Provision or update an organization (name, default currency)',
  },
  {
    id: 'getOrg',
    method: 'GET',
    path: '/v1/orgs/{org}',
    auth: 'jwt',
    roles: [...MEMBER_ROLES, 'platform'],
    entry: http('orgs', 'get-org'),
    summary: 'The organization (name, default currency): what a console shows as its header',
  },
  {
    id: 'listPlans',
    method: 'GET',
    path: '/v1/plans',
    auth: 'jwt',
    roles: ANY_ROLE,
    entry: http('subscriptions', 'list-plans'),
    summary: 'The plan catalog with prices per currency',
    table: 'none',
  },
  {
    id: 'getBillingStatus',
    method: 'GET',
    path: '/v1/orgs/{org}/billing-status',
    auth: 'jwt',
    roles: MEMBER_ROLES,
    entry: http('orgs', 'get-billing-status'),
    summary: 'Dunning state, freeze reasons and disputes',
  },
  // Subscriptions: any member reads; owner and billing_admin change (create, plan, cancel, currency).
  {
    id: 'getSubscription',
    method: 'GET',
    path: '/v1/orgs/{org}/subscription',
    auth: 'jwt',
    roles: MEMBER_ROLES,
    entry: http('subscriptions', 'get-subscription'),
    summary:
      'The subscription (plan, version, model, currency, period, pending changes) with the usage summary and history',
  },
  {
    id: 'createSubscription',
    method: 'POST',
    path: '/v1/orgs/{org}/subscription',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('subscriptions', 'create-subscription'),
    summary: 'Subscribe to a self-serve plan in a currency (paid plans need a default payment method)',
  },
  {
    id: 'changeSubscription',
    method: 'PATCH',
    path: '/v1/orgs/{org}/subscription',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('subscriptions', 'change-subscription'),
    summary: 'Change plan or billing model (upgrades now, prorated; downgrades at period end) or reactivate',
  },
  {
    id: 'cancelSubscription',
    method: 'POST',
    path: '/v1/orgs/{org}/subscription/cancel',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('subscriptions', 'cancel-subscription'),
    summary: 'Cancel now (unused flat fee credited) or at the period end (undoable until then)',
  },
  {
    id: 'switchCurrency',
    method: 'POST',
    path: '/v1/orgs/{org}/subscription/currency',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('subscriptions', 'switch-currency'),
    summary: 'Switch the settlement currency from the next period boundary',
  },
  {
    id: 'listAudit',
    method: 'GET',
    path: '/v1/orgs/{org}/audit',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('audit', 'list-audit'),
    summary: 'The audit trail of billing changes, newest first',
  },
  {
    id: 'createSetupIntent',
    method: 'POST',
    path: '/v1/orgs/{org}/payment-methods/setup-intents',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('payments', 'create-setup-intent'),
    summary: 'A Stripe SetupIntent (off-session) whose client_secret the front end confirms with Stripe.js',
    needs: ['stripe_secret'],
  },
  {
    id: 'listPaymentMethods',
    method: 'GET',
    path: '/v1/orgs/{org}/payment-methods',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('payments', 'list-payment-methods'),
    summary: "The org's payment methods (brand, last4, expiry, default)",
  },
  {
    id: 'setDefaultPaymentMethod',
    method: 'POST',
    path: '/v1/orgs/{org}/payment-methods/{id}/default',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('payments', 'set-default-payment-method'),
    summary: 'Make a payment method the default for invoices',
    needs: ['stripe_secret'],
  },
  {
    id: 'removePaymentMethod',
    method: 'DELETE',
    path: '/v1/orgs/{org}/payment-methods/{id}',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('payments', 'remove-payment-method'),
    summary: 'Detach a payment method (not the last one while a paid subscription is active)',
    needs: ['stripe_secret'],
  },
  {
    id: 'receiveStripeWebhook',
    method: 'POST',
    path: '/v1/webhooks/stripe',
    auth: 'stripe_signature',
    roles: [],
    entry: http('payments', 'receive-stripe-webhook'),
    summary: 'Stripe webhook: signature verified on the raw body, recorded and queued',
    needs: ['stripe_events_queue', 'webhook_secret'],
    // Unauthenticated at the gateway: a budget of its own (well above Stripe's delivery rate), so forged
    // traffic is throttled here rather than eating the stage's budget for every tenant.
    throttle: { rateLimit: 50, burstLimit: 100 },
  },
  {
    id: 'getUsageSummary',
    method: 'GET',
    path: '/v1/orgs/{org}/usage/summary',
    auth: 'jwt',
    roles: MEMBER_ROLES,
    entry: http('usage', 'get-usage-summary'),
    summary: 'Current period so far: quantity and amount per meter and model, total, included usage left',
  },
  {
    id: 'getUsageReport',
    method: 'GET',
    path: '/v1/orgs/{org}/usage/report',
    auth: 'jwt',
    roles: MEMBER_ROLES,
    entry: http('usage', 'get-usage-report'),
    rateLimit: 'expensive_read',
    summary: 'Usage quantities over a range, grouped by meter, model, agent or connection, and day (JSON or CSV)',
  },
  {
    id: 'getCosts',
    method: 'GET',
    path: '/v1/orgs/{org}/costs',
    auth: 'jwt',
    roles: MEMBER_ROLES,
    entry: http('usage', 'get-costs'),
    rateLimit: 'expensive_read',
    summary: 'Cost analytics over a range with the same grouping, in money (JSON or CSV)',
  },
  {
    id: 'getUsageForecast',
    method: 'GET',
    path: '/v1/orgs/{org}/usage/forecast',
    auth: 'jwt',
    roles: MEMBER_ROLES,
    entry: http('usage', 'get-usage-forecast'),
    summary: 'Projected period-end spend from the current burn rate, with a range, and budget exhaustion dates',
  },
  {
    id: 'listRejectedUsage',
    method: 'GET',
    path: '/v1/orgs/{org}/usage/rejected',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('usage', 'list-rejected-usage'),
    summary: 'Quarantined usage events and why they were rejected, newest first',
  },
  {
    id: 'listUsageAnomalies',
    method: 'GET',
    path: '/v1/orgs/{org}/usage/anomalies',
    auth: 'jwt',
    roles: MEMBER_ROLES,
    entry: http('usage', 'list-usage-anomalies'),
    summary:
      'Runaway agents and models: hours whose spend passed a multiple of the trailing baseline, newest day first',
  },
  {
    id: 'getBudgets',
    method: 'GET',
    path: '/v1/orgs/{org}/budgets',
    auth: 'jwt',
    roles: MEMBER_ROLES,
    entry: http('usage', 'get-budgets'),
    summary: 'Monthly budgets and plan limits with their current use',
  },
  {
    id: 'putBudgets',
    method: 'PUT',
    path: '/v1/orgs/{org}/budgets',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('usage', 'put-budgets'),
    summary: 'Replace the monthly budgets (org, agent, model or connection; thresholds; alert or block)',
  },
  {
    id: 'getEntitlement',
    method: 'GET',
    path: '/v1/orgs/{org}/entitlement',
    auth: 'jwt',
    roles: [...MEMBER_ROLES, 'platform'],
    entry: http('usage', 'get-entitlement'),
    summary: 'May usage by this agent / model proceed, and what remains (checked before a run)',
  },
  // Billing contacts: who receives notices (a contact need not be a user), and what was sent to them.
  {
    id: 'listContacts',
    method: 'GET',
    path: '/v1/orgs/{org}/contacts',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('notices', 'list-contacts'),
    summary: 'List billing contacts and the notice kinds each receives',
  },
  {
    id: 'addContact',
    method: 'POST',
    path: '/v1/orgs/{org}/contacts',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('notices', 'add-contact'),
    summary: 'Add a billing contact',
  },
  {
    id: 'removeContact',
    method: 'DELETE',
    path: '/v1/orgs/{org}/contacts/{id}',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('notices', 'remove-contact'),
    summary: 'Remove a billing contact',
  },
  {
    id: 'listNotifications',
    method: 'GET',
    path: '/v1/orgs/{org}/notifications',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('notices', 'list-notifications'),
    summary: 'Notices sent, to whom and why, newest first',
  },
  // Invoicing: billing settings, the invoice list, detail (JSON or PDF) and the upcoming invoice.
  {
    id: 'getBillingSettings',
    method: 'GET',
    path: '/v1/orgs/{org}/billing-settings',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('invoicing', 'get-billing-settings'),
    summary: 'Bill-to block, tax ids, memo, invoice prefix and threshold, with the credit balance',
  },
  {
    id: 'putBillingSettings',
    method: 'PUT',
    path: '/v1/orgs/{org}/billing-settings',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('invoicing', 'put-billing-settings'),
    summary: 'Replace the billing settings (every field optional)',
  },
  {
    id: 'listInvoices',
    method: 'GET',
    path: '/v1/orgs/{org}/invoices',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('invoicing', 'list-invoices'),
    summary: 'Invoices newest first, by status and invoice date, a page at a time',
  },
  {
    id: 'getUpcomingInvoice',
    method: 'GET',
    path: '/v1/orgs/{org}/invoices/upcoming',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('invoicing', 'get-upcoming-invoice'),
    summary: 'The current period as it would be invoiced if it closed now (status preview)',
  },
  {
    id: 'getInvoice',
    method: 'GET',
    path: '/v1/orgs/{org}/invoices/{id}',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('invoicing', 'get-invoice'),
    summary: 'One invoice with its lines (JSON), or its PDF with Accept: application/pdf',
    heavyLibraries: ['pdf-lib'],
  },
  // Enterprise contracts: the org's owner and billing admins manage them; the platform (the vendor's sales
  // operations) may read, draft, edit and submit them for any org (the handler refuses it the rest).
  {
    id: 'listContracts',
    method: 'GET',
    path: '/v1/orgs/{org}/contracts',
    auth: 'jwt',
    roles: [...BILLING_ADMINS, 'platform'],
    entry: http('contracts', 'list-contracts'),
    summary: "The org's contracts (each in its current version, with an amendment under way)",
  },
  {
    id: 'createContract',
    method: 'POST',
    path: '/v1/orgs/{org}/contracts',
    auth: 'jwt',
    roles: [...BILLING_ADMINS, 'platform'],
    entry: http('contracts', 'create-contract'),
    summary: 'Draft a contract: term, currency, commitments per year, negotiated rates, fees, payment terms',
  },
  {
    id: 'getContract',
    method: 'GET',
    path: '/v1/orgs/{org}/contracts/{id}',
    auth: 'jwt',
    roles: [...BILLING_ADMINS, 'platform'],
    entry: http('contracts', 'get-contract'),
    summary: 'One contract in its current version (and an amendment under way)',
  },
  {
    id: 'updateContract',
    method: 'PATCH',
    path: '/v1/orgs/{org}/contracts/{id}',
    auth: 'jwt',
    roles: [...BILLING_ADMINS, 'platform'],
    entry: http('contracts', 'update-contract'),
    summary: 'Edit a draft (the first version or an amendment)',
  },
  {
    id: 'transitionContract',
    method: 'POST',
    path: '/v1/orgs/{org}/contracts/{id}/transitions',
    auth: 'jwt',
    roles: [...BILLING_ADMINS, 'platform'],
    entry: http('contracts', 'transition-contract'),
    summary: 'submit, sign (freeze-gated), terminate, void or amend',
  },
  {
    id: 'getContractUtilization',
    method: 'GET',
    path: '/v1/orgs/{org}/contracts/{id}/utilization',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('contracts', 'get-contract-utilization'),
    summary: 'Per contract year: committed, consumed at contract rates, remaining, overage; the projection',
  },
  {
    id: 'getContractHistory',
    method: 'GET',
    path: '/v1/orgs/{org}/contracts/{id}/history',
    auth: 'jwt',
    roles: [...BILLING_ADMINS, 'platform'],
    entry: http('contracts', 'get-contract-history'),
    summary: 'Every version and transition, with before and after',
  },
  // Collection: invoices paid through Stripe.
  {
    id: 'payInvoice',
    method: 'POST',
    path: '/v1/orgs/{org}/invoices/{id}/pay',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('collection', 'pay-invoice'),
    summary: 'Pay an open invoice now with the default or a named payment method of the org: paid, or why not',
    needs: ['stripe_secret'],
  },
  {
    id: 'getReconciliation',
    method: 'GET',
    path: '/v1/orgs/{org}/reconciliation',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('collection', 'get-reconciliation'),
    summary: "The latest ledger ↔ Stripe drift report of the org's invoices and payment attempts",
  },
  // The billing export: a job built in the background (the exports queue), and a one-request download.
  // Creating an export (POST, or GET …/export when it builds one) draws from the per-org `expensive_read`
  // budget in the use case, so a download that reuses a recent export is never counted.
  {
    id: 'createExport',
    method: 'POST',
    path: '/v1/orgs/{org}/exports',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('export', 'create-export'),
    summary: 'Start a full billing export (one JSON document of everything), built in the background',
    needs: ['exports_queue'],
  },
  {
    id: 'listExports',
    method: 'GET',
    path: '/v1/orgs/{org}/exports',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('export', 'list-exports'),
    summary: 'Recent exports, newest first',
  },
  {
    id: 'getExport',
    method: 'GET',
    path: '/v1/orgs/{org}/exports/{id}',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('export', 'get-export'),
    summary: 'One export: status, size, SHA-256, section counts and, when ready, download URLs valid 15 minutes',
    needs: ['exports_bucket'],
  },
  {
    id: 'downloadExport',
    method: 'GET',
    path: '/v1/orgs/{org}/export',
    auth: 'jwt',
    roles: BILLING_ADMINS,
    entry: http('export', 'download-export'),
    summary: 'The billing export in one request: builds or reuses one under 5 minutes old; 303 to the file',
    needs: ['exports_queue', 'exports_bucket'],
  },
];

export function findRoute(id: string): RouteDefinition {
  const route = ROUTES.find((r) => r.id === id);
  if (!route) throw new Error(`unknown route id ${id}`);
  return route;
}
