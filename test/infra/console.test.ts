import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BillingApiStack } from '../../lib/api-stack';
import { BillingConsoleStack } from '../../lib/console-stack';
import { BillingStatefulStack } from '../../lib/stateful-stack';
import { PRODUCT_TABLES } from './support';

/** The console's static site: private bucket, CloudFront with OAC, /v1 forwarded uncached to the API, nag clean. */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

let stack: BillingConsoleStack;
let template: Template;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: true });
  const stateful = new BillingStatefulStack(app, 'Stateful', { queues: PRODUCT_TABLES.queues });
  const api = new BillingApiStack(app, 'Api', {
    table: stateful.table,
    queues: stateful.queues,
    exportsBucket: stateful.exportsBucket,
    routes: PRODUCT_TABLES.routes,
    schedules: PRODUCT_TABLES.schedules,
  });
  stack = new BillingConsoleStack(app, 'Console', { api: api.api });
  // Synth throws on any unacknowledged finding, as `cdk synth` does.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  app.synth();
  template = Template.fromStack(stack);
});

describe('the console stack', () => {
  it('keeps the site bucket private, encrypted, TLS-only and logged', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: Match.objectLike({}),
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 's3/' }),
      VersioningConfiguration: { Status: 'Enabled' },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('lets only this distribution read the bucket, through origin access control', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always' }),
    });
    template.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 0);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:GetObject',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('serves the app over HTTPS and forwards /v1/* to the API uncached, with the viewer headers but not Host', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        CacheBehaviors: [
          Match.objectLike({
            PathPattern: '/v1/*',
            CachePolicyId: CACHING_DISABLED,
            OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
            ViewerProtocolPolicy: 'https-only',
            AllowedMethods: Match.arrayWith(['PUT', 'PATCH', 'POST', 'DELETE']),
          }),
        ],
        Logging: Match.objectLike({ Prefix: 'cloudfront/' }),
      }),
    });
    const [distribution] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
    const origins = distribution?.Properties.DistributionConfig.Origins as { DomainName: unknown }[];
    expect(JSON.stringify(origins)).toContain('execute-api');
  });

  it('sends strict security headers: a content security policy, no framing, HSTS', () => {
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        Name: Match.anyValue(),
        SecurityHeadersConfig: Match.objectLike({
          FrameOptions: { FrameOption: 'DENY', Override: true },
          StrictTransportSecurity: Match.objectLike({ Override: true }),
          ContentSecurityPolicy: Match.objectLike({ Override: true }),
        }),
      },
    });
    const policy = JSON.stringify(template.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain('https://js.stripe.com');
  });

  it('uploads the app with a config.json naming the identity provider, and invalidates the entry files', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DistributionPaths: Match.arrayWith(['/index.html', '/config.json']),
    });
    for (const name of [
      'OidcIssuer',
      'OidcClientId',
      'OidcAuthorizationEndpoint',
      'OidcTokenEndpoint',
      'StripePublishableKey',
    ]) {
      template.hasParameter(name, { Type: 'String' });
    }
    template.hasOutput('ConsoleUrl', {});
    template.hasOutput('ConsoleRedirectUri', {});
  });

  it('has no unacknowledged AwsSolutions finding', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources[0]?.constructPath}`)).toEqual([]);
    expect(report.success).toBe(true);
  });
});
