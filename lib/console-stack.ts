import {
  CfnOutput,
  CfnParameter,
  CrossStackReferences,
  DockerImage,
  Duration,
  Fn,
  ReferenceStrength,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct } from 'constructs';
import { bundleConsoleSync, CONSOLE_DIR } from '../console/bundle';

export interface BillingConsoleStackProps extends StackProps {
  /** The billing API: CloudFront sends `/v1/*` to it, so the console calls its own origin (no CORS). */
  readonly api: apigw.IHttpApi;
}

/**
 * The billing console as a static site: a private S3 bucket behind CloudFront with origin access
 * control (only this distribution may read it), `/v1/*` forwarded to the HTTP API uncached with the
 * viewer's headers (the Authorization bearer token included; not the Host header, which API Gateway
 * must see as its own), strict security headers, and access logs. `config.json` beside the app tells
 * it where to sign in: the OpenID Connect provider that issues the API's JWTs (see README, "The
 * billing console on AWS"). Stateless apart from logs: redeploying replaces the files.
 */
export class BillingConsoleStack extends Stack {
  readonly distribution: cloudfront.Distribution;
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: BillingConsoleStackProps) {
    super(scope, id, props);
    // The API id is imported from the API stack: a strong reference keeps that stack from dropping it.
    CrossStackReferences.of(this).consume(ReferenceStrength.STRONG);

    const param = (name: string, description: string, defaultValue?: string) =>
      new CfnParameter(this, name, {
        type: 'String',
        description,
        ...(defaultValue !== undefined ? { default: defaultValue } : {}),
      });
    const issuer = param(
      'OidcIssuer',
      'OpenID Connect issuer of the API JWTs (the API stack JwtIssuer)',
      'https://your-idp.example.com/',
    );
    const clientId = param(
      'OidcClientId',
      'The console app client id at the identity provider (public client, PKCE)',
      'billing-console',
    );
    const authorizationEndpoint = param(
      'OidcAuthorizationEndpoint',
      'The provider authorization endpoint',
      'https://your-idp.example.com/oauth2/authorize',
    );
    const tokenEndpoint = param(
      'OidcTokenEndpoint',
      'The provider token endpoint (the console posts the PKCE code exchange here)',
      'https://your-idp.example.com/oauth2/token',
    );
    const logoutEndpoint = param('OidcLogoutEndpoint', 'The provider logout endpoint (empty: local sign-out only)', '');
    const oidcScope = param('OidcScope', 'Scopes the console asks for', 'openid email profile');
    const useToken = new CfnParameter(this, 'OidcUseToken', {
      type: 'String',
      allowedValues: ['id_token', 'access_token'],
      default: 'id_token',
      description: 'Which token goes to the API: its JwtAudience must match that token (id_token: aud = the client id)',
    });
    const publishableKey = param(
      'StripePublishableKey',
      'Stripe publishable key (pk_live_… or pk_test_…) for Elements; empty hides "Add a card"',
      '',
    );

    // --- Buckets ----------------------------------------------------------------------------------------
    const logs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logs are written with an ACL: the log bucket must accept object-writer ACLs.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(logs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop.',
    });
    this.bucket = new s3.Bucket(this, 'Site', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 's3/',
      // Only built files live here; a rebuild recreates them.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // --- Distribution -----------------------------------------------------------------------------------
    const apiDomain = `${props.api.apiId}.execute-api.${this.region}.${this.urlSuffix}`;
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          override: true,
          // Stripe.js is loaded from Stripe (PCI) and frames its own card field; the token exchange goes to
          // the identity provider; everything else is this origin (the API is under /v1 of it).
          contentSecurityPolicy: Fn.join('', [
            "default-src 'self'; script-src 'self' https://js.stripe.com; style-src 'self' 'unsafe-inline'; ",
            "img-src 'self' data:; frame-src https://js.stripe.com https://hooks.stripe.com; ",
            "connect-src 'self' https://api.stripe.com ",
            tokenEndpoint.valueAsString,
            "; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
          ]),
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Billing console',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        compress: true,
      },
      additionalBehaviors: {
        '/v1/*': {
          origin: new origins.HttpOrigin(apiDomain, { protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY }),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          // Tenant data must never be cached; AllViewerExceptHostHeader forwards Authorization, query and body.
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        },
      },
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain the distribution uses the default *.cloudfront.net certificate, whose TLS floor CloudFront fixes; add domainNames + an ACM certificate with minimumProtocolVersion TLSv1.2_2021 for a production domain.',
      },
      {
        id: 'AwsSolutions-CFR1',
        reason: 'A billing console is used wherever the customer works; the API enforces who may see what.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'The site is static files; every data request is authorized by the API JWT authorizer and throttled per stage. Attach a WAF web ACL per deployment if required.',
      },
    );

    // --- Files --------------------------------------------------------------------------------------------
    // The app is bundled at synth (esbuild, locally; no Docker), or taken unbundled when bundling is skipped.
    const app = s3deploy.Source.asset(CONSOLE_DIR, {
      exclude: ['dist', 'generated', 'node_modules'],
      bundling: {
        image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim'),
        local: {
          tryBundle(outputDir) {
            bundleConsoleSync(outputDir);
            return true;
          },
        },
      },
    });
    const config = s3deploy.Source.jsonData('config.json', {
      apiUrl: '',
      auth: {
        mode: 'oidc',
        issuer: issuer.valueAsString,
        clientId: clientId.valueAsString,
        authorizationEndpoint: authorizationEndpoint.valueAsString,
        tokenEndpoint: tokenEndpoint.valueAsString,
        logoutEndpoint: logoutEndpoint.valueAsString,
        scope: oidcScope.valueAsString,
        useToken: useToken.valueAsString,
      },
      stripe: { publishableKey: publishableKey.valueAsString },
    });
    const deployment = new s3deploy.BucketDeployment(this, 'Files', {
      sources: [app, config],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/app.js', '/app.css', '/config.json'],
      memoryLimit: 256,
    });
    // CDK's BucketDeployment runs a singleton Lambda of CDK's own (at stack level) during deploys only.
    const copyGrants =
      'BucketDeployment copies from the CDK asset bucket into the site bucket (object wildcards in those two buckets, the grant methods CDK generates) and invalidates this distribution (CloudFront invalidation has no resource-level permission).';
    Validations.of(deployment.handlerRole).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "CDK's BucketDeployment handler writes its own logs through AWSLambdaBasicExecutionRole.",
      },
      ...[
        'Action::s3:Abort*',
        'Action::s3:DeleteObject*',
        'Action::s3:GetBucket*',
        'Action::s3:GetObject*',
        'Action::s3:List*',
        'Resource::*',
        `Resource::<${this.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*`,
        'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
      ].map((finding) => ({ id: `AwsSolutions-IAM5[${finding}]`, reason: copyGrants })),
    );
    const handler = this.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (handler) {
      Validations.of(handler).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          "The runtime of CDK's own BucketDeployment handler is chosen by aws-cdk-lib; it runs only during deploys.",
      });
    }

    new CfnOutput(this, 'ConsoleUrl', { value: `https://${this.distribution.distributionDomainName}/` });
    new CfnOutput(this, 'ConsoleRedirectUri', {
      value: `https://${this.distribution.distributionDomainName}/`,
      description: 'Register this as the app client callback and sign-out URL at the identity provider',
    });
  }
}
