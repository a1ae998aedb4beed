import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { CONSUMER_TIMEOUT_SECONDS } from '../../functions/queues';
import type { RouteDefinition } from '../../functions/routes';
import {
  type BillingApiStack,
  CONSUMER_NEEDS,
  EXPORT_OBJECT_PREFIX,
  TABLE_READ_WRITE_ACTIONS,
} from '../../lib/api-stack';
import { PRODUCT_TABLES, synthBilling } from './support';

const { routes, queues, schedules } = PRODUCT_TABLES;
const consumers = queues.filter((q) => q.consumerEntry);

let stack: BillingApiStack;
let template: Template;
type Resource = { Type: string; Properties: Record<string, any> };
let resources: Record<string, Resource>;

beforeAll(() => {
  stack = synthBilling().api;
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources;
});

const fnLogicalId = (id: string) => {
  const fn = stack.functions.get(id);
  if (!fn) throw new Error(`no function ${id}`);
  return stack.getLogicalId(fn.fn.node.defaultChild as CfnFunction);
};
const fnProps = (id: string) => resources[fnLogicalId(id)]?.Properties ?? {};
const envOf = (id: string): Record<string, unknown> => fnProps(id).Environment?.Variables ?? {};
/** Every action the function's role may perform, flattened from its policies. */
const actionsOf = (id: string): string[] => {
  const fn = stack.functions.get(id);
  if (!fn) throw new Error(`no function ${id}`);
  const roleId = stack.getLogicalId(fn.role.node.defaultChild as CfnRole);
  return Object.values(resources)
    .filter(
      (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: roleId }]),
    )
    .flatMap((r) => r.Properties.PolicyDocument.Statement)
    .flatMap((s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
};
const allFunctionIds = () => [
  ...routes.map((r) => r.id),
  ...consumers.map((q) => `${q.id}Consumer`),
  ...schedules.map((s) => s.id),
];

describe('functions', () => {
  it('one Lambda per route, per queue consumer and per schedule, and no other', () => {
    template.resourceCountIs('AWS::Lambda::Function', routes.length + consumers.length + schedules.length);
    expect([...stack.functions.keys()].sort()).toEqual(allFunctionIds().sort());
  });

  it.each(allFunctionIds())('%s: Node 22 on arm64, X-Ray, its own log group, Powertools and source maps', (id) => {
    const props = fnProps(id);
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.Handler).toBe('index.handler');
    expect(props.TracingConfig).toEqual({ Mode: 'Active' });
    expect(props.LoggingConfig).toEqual({ LogGroup: { Ref: expect.stringMatching(/Logs/) } });
    expect(envOf(id)).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'billing',
      POWERTOOLS_LOG_LEVEL: { Ref: 'LogLevel' },
      NODE_OPTIONS: '--enable-source-maps',
      TABLE_NAME: { 'Fn::ImportValue': expect.any(String) },
    });
  });

  it('every log group has a retention', () => {
    for (const lg of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect(lg.Properties.RetentionInDays).toBeGreaterThan(0);
    }
    template.resourceCountIs('AWS::Logs::LogGroup', allFunctionIds().length + 1);
  });

  it('no environment variable carries a secret value: secrets are passed as Secrets Manager ARNs', () => {
    for (const id of allFunctionIds()) {
      for (const [name, value] of Object.entries(envOf(id))) {
        if (/SECRET|PASSWORD|TOKEN|API_?KEY|PRIVATE/i.test(name)) {
          expect(`${id}.${name}`).toMatch(/_ARN$/);
          // An ARN built by CloudFormation (the secret name is a parameter), never a literal.
          expect(typeof value).toBe('object');
          expect(JSON.stringify(value)).toMatch(/arn:.*:secretsmanager:.*:secret:/);
        }
      }
    }
    expect(JSON.stringify(template.toJSON())).not.toMatch(/(sk|rk|pk)_(live|test)_|whsec_/);
  });
});

describe('HTTP API', () => {
  const authorizerId = () => Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'))[0];

  it('has one JWT authorizer whose issuer and audience are the stack parameters', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: { Ref: 'JwtIssuer' }, Audience: [{ Ref: 'JwtAudience' }] },
    });
    template.hasParameter('JwtIssuer', { Type: 'String' });
    template.hasParameter('JwtAudience', { Type: 'String' });
  });

  it('has exactly one route per table entry', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Route', routes.length);
  });

  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s',
    (routeKey: string, route: RouteDefinition) => {
      const found = Object.values(
        template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: routeKey } }),
      );
      expect(found).toHaveLength(1);
      const props = found[0]?.Properties;
      if (route.auth === 'jwt') {
        expect(props.AuthorizationType).toBe('JWT');
        expect(props.AuthorizerId).toEqual({ Ref: authorizerId() });
      } else {
        expect(props.AuthorizationType).toBe('NONE');
        expect(props.AuthorizerId).toBeUndefined();
      }
      // The route's integration invokes the route's own function.
      const integrationId = JSON.stringify(props.Target).match(/"Ref":"([^"]+)"/)?.[1] ?? '';
      expect(resources[integrationId]?.Properties.IntegrationUri).toEqual({
        'Fn::GetAtt': [fnLogicalId(route.id), 'Arn'],
      });
    },
  );

  it('the default stage writes JSON access logs and is throttled', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"requestId"') },
      DefaultRouteSettings: { ThrottlingBurstLimit: Match.anyValue(), ThrottlingRateLimit: Match.anyValue() },
    });
  });

  it('gives the public routes (health, OpenAPI, the Stripe webhook) budgets of their own, below the stage’s', () => {
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    const settings = stage!.Properties.RouteSettings as Record<string, { ThrottlingRateLimit: number }>;
    const stageRate = stage!.Properties.DefaultRouteSettings.ThrottlingRateLimit as number;
    for (const id of ['getHealth', 'getOpenApi', 'receiveStripeWebhook']) {
      const route = routes.find((r) => r.id === id)!;
      expect(settings[`${route.method} ${route.path}`]).toEqual({
        ThrottlingRateLimit: route.throttle!.rateLimit,
        ThrottlingBurstLimit: route.throttle!.burstLimit,
      });
      expect(route.throttle!.rateLimit).toBeLessThan(stageRate);
    }
    // The stage is created after the routes its settings name.
    expect(Object.keys(settings)).toHaveLength(routes.filter((r) => r.throttle).length);
  });
});

describe('least privilege', () => {
  it.each(routes.map((r) => [r.id, r] as const))('%s: only what the route table says it needs', (id, route) => {
    const actions = actionsOf(id);
    const needs = route.needs ?? [];
    const table = actions.filter((a) => a.startsWith('dynamodb:')).sort();
    const access = route.table ?? 'read_write';
    if (access === 'read_write') {
      expect(table).toEqual([...TABLE_READ_WRITE_ACTIONS].sort());
    } else {
      expect(table).toEqual(access === 'health_check' ? ['dynamodb:GetItem'] : []);
    }
    expect(actions.includes('sqs:SendMessage')).toBe(
      needs.includes('usage_queue') || needs.includes('stripe_events_queue') || needs.includes('exports_queue'),
    );
    expect(actions.filter((a) => a.startsWith('s3:'))).toEqual(
      needs.includes('exports_bucket') ? ['s3:GetObject'] : [],
    );
    expect('EXPORTS_QUEUE_URL' in envOf(id)).toBe(needs.includes('exports_queue'));
    expect('EXPORTS_BUCKET' in envOf(id)).toBe(needs.includes('exports_bucket'));
    expect(actions.includes('secretsmanager:GetSecretValue')).toBe(
      needs.includes('stripe_secret') || needs.includes('webhook_secret'),
    );
    expect(actions.includes('ses:SendEmail')).toBe(needs.includes('email'));
    const env = envOf(id);
    expect('STRIPE_SECRET_ARN' in env).toBe(needs.includes('stripe_secret'));
    expect('STRIPE_WEBHOOK_SECRET_ARN' in env).toBe(needs.includes('webhook_secret'));
    expect('USAGE_QUEUE_URL' in env).toBe(needs.includes('usage_queue'));
    expect('STRIPE_EVENTS_QUEUE_URL' in env).toBe(needs.includes('stripe_events_queue'));
  });

  it('the only "*" resources are X-Ray, which has no resource-level permissions, and the export documents’ prefix', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement,
    );
    // Export documents are one object per export: their grants name the documents' prefix, nothing wider.
    const documents = (st: { Resource: unknown }) =>
      JSON.stringify(st.Resource).endsWith(`/${EXPORT_OBJECT_PREFIX}*"]]}`);
    const exportGrants = statements.filter(documents);
    expect(exportGrants.map((st: { Action: unknown }) => st.Action)).toEqual(
      expect.arrayContaining(['s3:GetObject', ['s3:PutObject', 's3:AbortMultipartUpload']]),
    );
    expect(exportGrants).toHaveLength(
      routes.filter((r) => r.needs?.includes('exports_bucket')).length +
        consumers.filter((q) => CONSUMER_NEEDS[q.id].includes('exports_bucket_write')).length,
    );
    // Any "*" in a resource (e.g. grantReadWriteData's `index/*`) counts, not only a bare "*".
    const star = statements.filter(
      (st: { Resource: unknown }) => JSON.stringify(st.Resource).includes('*') && !documents(st),
    );
    expect(star).toHaveLength(allFunctionIds().length);
    for (const st of star) {
      expect(st).toEqual({
        Effect: 'Allow',
        Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        Resource: '*',
      });
    }
  });

  it('no function has a managed policy (AWSLambdaBasicExecutionRole would allow every log group)', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('queue consumers', () => {
  it.each(consumers.map((q) => [q.id, q] as const))('%s: batch, window, partial batch failures', (id, def) => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnLogicalId(`${id}Consumer`) },
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp(`${id}Queue`) },
      BatchSize: def.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ...(def.maxBatchingWindowSeconds > 0 ? { MaximumBatchingWindowInSeconds: def.maxBatchingWindowSeconds } : {}),
    });
    const timeout = def.consumerTimeoutSeconds ?? CONSUMER_TIMEOUT_SECONDS;
    expect(fnProps(`${id}Consumer`).Timeout).toBe(timeout);
    // Visibility timeout must cover six consumer timeouts (AWS guidance), or in-flight records reappear.
    expect(def.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * timeout);
  });

  it('one event source mapping per consumer', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', consumers.length);
  });

  it('the Stripe reconciler may read the Stripe API key; the usage consumer may not', () => {
    expect(actionsOf('stripeEventsConsumer')).toContain('secretsmanager:GetSecretValue');
    expect(envOf('stripeEventsConsumer')).toHaveProperty('STRIPE_SECRET_ARN');
    expect(actionsOf('usageConsumer')).not.toContain('secretsmanager:GetSecretValue');
  });
});

describe('schedules', () => {
  /** What EventBridge shows for a rate: CDK writes the largest whole unit. */
  const rate = (minutes: number) => {
    const d = Duration.minutes(minutes);
    const [n, unit] =
      minutes % 1440 === 0 ? [d.toDays(), 'day'] : minutes % 60 === 0 ? [d.toHours(), 'hour'] : [minutes, 'minute'];
    return `rate(${n} ${unit}${n === 1 ? '' : 's'})`;
  };

  it('one rule per schedule', () => {
    template.resourceCountIs('AWS::Events::Rule', schedules.length);
  });

  it.each(schedules.map((s) => [s.id, s] as const))('%s: rate and target', (id, def) => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: rate(def.everyMinutes),
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnLogicalId(id), 'Arn'] } })],
    });
    // Grants exactly as the schedule table says, like routes.
    const needs = def.needs ?? [];
    expect(actionsOf(id).includes('secretsmanager:GetSecretValue')).toBe(needs.includes('stripe_secret'));
    expect(actionsOf(id).includes('ses:SendEmail')).toBe(needs.includes('email'));
    expect('SES_FROM_ADDRESS' in envOf(id)).toBe(needs.includes('email'));
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [fnLogicalId(id), 'Arn'] },
      Principal: 'events.amazonaws.com',
    });
  });
});

describe('export grants', () => {
  it('only the export routes, the exports consumer and the sweep touch the bucket or send to the exports queue', () => {
    const s3Users = allFunctionIds().filter((id) => actionsOf(id).some((a) => a.startsWith('s3:')));
    expect(s3Users.sort()).toEqual(['downloadExport', 'exportsConsumer', 'getExport'].sort());
    expect(
      actionsOf('exportsConsumer')
        .filter((a) => a.startsWith('s3:'))
        .sort(),
    ).toEqual(['s3:AbortMultipartUpload', 's3:PutObject']);
    expect('EXPORTS_BUCKET' in envOf('exportsConsumer')).toBe(true);
    expect(actionsOf('sweepExports')).toContain('sqs:SendMessage');
    expect('EXPORTS_QUEUE_URL' in envOf('sweepExports')).toBe(true);
  });
});
