import type Stripe from 'stripe';
import type { Kernel } from '../kernel/compose';
import { orgReader } from '../orgs/provides';
import { DynamoStripeCustomerStore } from './adapters/stripe-customer-store';
import { StripePaymentGateway } from './adapters/stripe-gateway';
import { ensureStripeCustomer } from './app/payment-methods';
import type { StripeCustomerAccounts } from './ports';

/**
 * What payments offers that calls Stripe: the org's Stripe customer, created on first need (the
 * collection capability invoices it). Only composition roots that already hold a Stripe client import
 * this module; they pass that client in.
 */
export function stripeCustomerAccounts(k: Kernel, stripe: () => Promise<Stripe>): StripeCustomerAccounts {
  const stripeCustomers = new DynamoStripeCustomerStore(k.db, k.config.tableName);
  const deps = { orgs: orgReader(k), paymentGateway: new StripePaymentGateway(stripe), stripeCustomers };
  return {
    customerOf: (orgId) => stripeCustomers.customerOf(orgId),
    ensureCustomer: (orgId) => ensureStripeCustomer(deps, orgId),
  };
}
