import { Template } from 'aws-cdk-lib/assertions';
import { synthBilling } from './support';

/**
 * The functions receive partial secret ARNs (no random suffix). Secrets Manager resolves a partial ARN whose
 * name ends in `-` + 6 characters as name + suffix, so such a name would deploy and then fail at runtime.
 */
let parameters: Record<string, { Default?: string; AllowedPattern?: string }>;

beforeAll(() => {
  parameters = Template.fromStack(synthBilling().api).toJSON().Parameters;
});

it.each(['StripeSecretName', 'StripeWebhookSecretName'])(
  '%s: defaults to a usable name, refuses ambiguous ones',
  (id) => {
    const param = parameters[id];
    // CloudFormation matches AllowedPattern (Java regex) against the whole value; JS agrees for this pattern.
    const pattern = new RegExp(param?.AllowedPattern ?? '(?!)');
    expect(param?.Default).toMatch(pattern);
    expect('billing/stripe-webhook-secret').not.toMatch(pattern);
    expect('prod/stripe-x1y2z3').not.toMatch(pattern);
    expect('prod/stripe-signing').toMatch(pattern);
    expect('prod/stripe').toMatch(pattern);
  },
);
