import {
  CfnOutput,
  CfnParameter,
  CrossStackReferences,
  Duration,
  Fn,
  ReferenceStrength,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { keys } from '../functions/kernel/dynamo/keys';
import { CONSUMER_TIMEOUT_SECONDS, type QueueDefinition } from '../functions/queues';
import { API_FUNCTION_TIMEOUT_SECONDS, ROUTES, type RouteDefinition, type TableAccess } from '../functions/routes';
import { SCHEDULES, type ScheduleDefinition } from '../functions/schedules';
import { TABLE_SCHEMA } from '../functions/table-schema';
import { BillingAlarms } from './alarms';
import { assertHandlersExist, BillingFunction } from './billing-function';
import { type BillingQueue, exportsBucketArnExportName, type QueueId } from './stateful-stack';

/**
 * The item actions the adapters use (transactions are authorized per contained item action, so there is no
 * TransactWriteItems action to grant). grantReadWriteData would add dynamodb:Scan, DescribeTable and the
 * stream actions: nothing calls them, and Scan is the one action that reads every tenant's items at once.
 */
export const TABLE_READ_WRITE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];

export type Need = NonNullable<RouteDefinition['needs']>[number];

/** The partition the health check reads (its one key never exists). */
const HEALTH_PARTITION = keys.health.PK;

/** Which queue each queue need refers to, and the variable config.ts reads its URL from. */
const QUEUE_NEEDS: Partial<Record<Need, { queueId: QueueId; env: string }>> = {
  usage_queue: { queueId: 'usage', env: 'USAGE_QUEUE_URL' },
  stripe_events_queue: { queueId: 'stripeEvents', env: 'STRIPE_EVENTS_QUEUE_URL' },
  exports_queue: { queueId: 'exports', env: 'EXPORTS_QUEUE_URL' },
};

/** Every export document is under this prefix of the exports bucket (export/domain/export-job.ts). */
export const EXPORT_OBJECT_PREFIX = 'exports/';

/** The consumers' needs beyond the route and schedule tables' (only the export builder writes documents). */
type ConsumerNeed = Need | 'exports_bucket_write';

/**
 * What queue consumers need beyond the table. Routes and schedules carry `needs` in their tables; queue
 * definitions do not (they are shared with the local SQS set-up, which has no grants), so the consumers'
 * grants live here, next to the code that applies them. The Stripe reconciler re-reads objects from
 * Stripe's API (the API key); it never verifies signatures (so no webhook secret).
 */
export const CONSUMER_NEEDS: Record<QueueId, readonly ConsumerNeed[]> = {
  usage: [],
  stripeEvents: ['stripe_secret'],
  // The builder reads every capability's items of one org and streams the document into the bucket.
  exports: ['exports_bucket_write'],
};

export interface BillingApiStackProps extends StackProps {
  readonly table: dynamodb.ITable;
  readonly queues: ReadonlyMap<QueueId, BillingQueue>;
  /** Where export documents are written (by the exports consumer) and downloaded from (presigned). */
  readonly exportsBucket: s3.IBucket;
  /** Default to the product's tables (queue definitions: those of `queues`); tests pass their own. */
  readonly routes?: readonly RouteDefinition[];
  readonly queueDefinitions?: readonly QueueDefinition[];
  readonly schedules?: readonly ScheduleDefinition[];
}

/**
 * The stateless half: HTTP API, one Lambda per route, queue consumers and schedules. Everything here can
 * be replaced on deploy; data lives in BillingStatefulStack.
 */
export class BillingApiStack extends Stack {
  readonly api: apigw.HttpApi;
  /** Every function by its id (route id, `<queue>Consumer`, schedule id): tests and nag use it. */
  readonly functions = new Map<string, BillingFunction>();

  private readonly table: dynamodb.ITable;
  private readonly queues: ReadonlyMap<QueueId, BillingQueue>;
  private readonly exportsBucket: s3.IBucket;
  private readonly logLevel: string;
  private readonly stripeSecret: secretsmanager.ISecret;
  private readonly webhookSecret: secretsmanager.ISecret;
  private sesFromAddress?: CfnParameter;

  constructor(scope: Construct, id: string, props: BillingApiStackProps) {
    super(scope, id, props);
    // Strong (Export/ImportValue), chosen explicitly rather than by CDK's default: CloudFormation then refuses
    // to delete the stateful stack, or an export of it, while this stack uses the table or a queue. The cost
    // (removing a table or queue takes two deploys) is wanted for data; weak refs would allow dangling ARNs.
    CrossStackReferences.of(this).consume(ReferenceStrength.STRONG);
    this.table = props.table;
    this.queues = props.queues;
    this.exportsBucket = props.exportsBucket;
    const routes = props.routes ?? ROUTES;
    // Consumers follow the queues the stateful stack actually created (which carry their definitions).
    const queueDefinitions = props.queueDefinitions ?? [...props.queues.values()].map((q) => q.definition);
    const schedules = props.schedules ?? SCHEDULES;
    // Handlers are written while this stack is synthesized: report every missing one at once, up front.
    // Only when this stack is bundled; a template-only synth (bundling skipped) stands in a placeholder
    // with a warning instead (see BillingFunction), so the template and cdk-nag can be checked meanwhile.
    if (this.bundlingRequired) {
      assertHandlersExist([
        ...routes.map((r) => ({ id: r.id, entry: r.entry })),
        ...queueDefinitions.flatMap((q) =>
          q.consumerEntry ? [{ id: `${q.id}Consumer`, entry: q.consumerEntry }] : [],
        ),
        ...schedules.map((s) => ({ id: s.id, entry: s.entry })),
      ]);
    }

    const jwtIssuer = new CfnParameter(this, 'JwtIssuer', {
      type: 'String',
      description: 'OIDC issuer URL of the identity provider (https://…); API Gateway validates `iss` against it',
    });
    const jwtAudience = new CfnParameter(this, 'JwtAudience', {
      type: 'String',
      description: 'Expected `aud` claim of access tokens',
    });
    // Secrets are referenced by name; their values never appear in the template or in Lambda environment.
    // The functions get a *partial* ARN (name without Secrets Manager's random `-xxxxxx` suffix) and pass it
    // to GetSecretValue. Secrets Manager then reads a name that itself ends in `-` + 6 characters as name +
    // suffix and does not find the secret (`…/stripe-webhook-secret` would fail at runtime), so such names are
    // refused at deploy time instead.
    const secretNamePattern = '^[A-Za-z0-9/_+=.@-]+(?<!-[A-Za-z0-9]{6})$';
    const secretNameRule =
      'a Secrets Manager secret name (letters, digits, /_+=.@-) that does not end in a hyphen followed by 6 characters';
    const stripeSecretName = new CfnParameter(this, 'StripeSecretName', {
      type: 'String',
      default: 'billing/stripe-secret-key',
      allowedPattern: secretNamePattern,
      constraintDescription: secretNameRule,
      description: 'Secrets Manager secret holding the Stripe API secret key (SecretString)',
    });
    const webhookSecretName = new CfnParameter(this, 'StripeWebhookSecretName', {
      type: 'String',
      default: 'billing/stripe-webhook-signing',
      allowedPattern: secretNamePattern,
      constraintDescription: secretNameRule,
      description: 'Secrets Manager secret holding the Stripe webhook signing secret(s), comma-separated',
    });
    this.logLevel = new CfnParameter(this, 'LogLevel', {
      type: 'String',
      default: 'INFO',
      allowedValues: ['DEBUG', 'INFO', 'WARN', 'ERROR'],
      description: 'POWERTOOLS_LOG_LEVEL of every function',
    }).valueAsString;

    // CloudFormation's linter guesses from the word "Secret" that these parameters carry a password.
    Validations.of(this).acknowledge({
      id: 'CloudFormation-Validate::W2509',
      reason:
        'StripeSecretName and StripeWebhookSecretName hold Secrets Manager secret *names*, not secret values; NoEcho would only hide which secret a deployment uses.',
    });

    this.stripeSecret = secretsmanager.Secret.fromSecretNameV2(this, 'StripeSecret', stripeSecretName.valueAsString);
    this.webhookSecret = secretsmanager.Secret.fromSecretNameV2(
      this,
      'StripeWebhookSecret',
      webhookSecretName.valueAsString,
    );

    // --- HTTP API -------------------------------------------------------------------------------------
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention: logs.RetentionDays.THREE_MONTHS });
    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'Billing layer HTTP API',
      createDefaultStage: false,
    });
    // `$default` serves at the endpoint's root, so these are the URLs to give the front end and Stripe.
    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    const webhookRoute = routes.find((r) => r.auth === 'stripe_signature');
    if (webhookRoute) new CfnOutput(this, 'StripeWebhookUrl', { value: `${this.api.apiEndpoint}${webhookRoute.path}` });
    const stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      // Per-stage ceiling so one noisy caller cannot exhaust the account-level Lambda concurrency.
      throttle: { rateLimit: 500, burstLimit: 1000 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        // JSON, one line per request: who (sub), what (route), outcome and latency, JWT/integration errors.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            sub: '$context.authorizer.claims.sub',
          }),
        ),
      },
    });
    // Per-route budgets from the route table (CDK's HttpStage has only the stage-wide one): the public
    // routes (health, OpenAPI, the Stripe webhook) cannot spend the budget every tenant shares.
    const routeSettings = Object.fromEntries(
      routes
        .filter((r) => r.throttle)
        .map((r) => [
          `${r.method} ${r.path}`,
          { ThrottlingRateLimit: r.throttle!.rateLimit, ThrottlingBurstLimit: r.throttle!.burstLimit },
        ]),
    );
    if (Object.keys(routeSettings).length > 0) {
      (stage.node.defaultChild as apigw.CfnStage).addPropertyOverride('RouteSettings', routeSettings);
    }
    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', jwtIssuer.valueAsString, {
      jwtAudience: [jwtAudience.valueAsString],
    });

    for (const route of routes) {
      const fn = this.billingFunction(route.id, {
        entry: route.entry,
        description: `${route.method} ${route.path}: ${route.summary}`,
        timeout: Duration.seconds(API_FUNCTION_TIMEOUT_SECONDS),
        memorySize: 512,
        needs: route.needs ?? [],
        table: route.table ?? 'read_write',
      });
      const [httpRoute] = this.api.addRoutes({
        path: route.path,
        methods: [apigw.HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${route.id}Integration`, fn.fn),
        // `none` and `stripe_signature` routes are public at the gateway: health/OpenAPI by design, the
        // webhook because Stripe cannot present a JWT (the handler verifies Stripe's signature instead).
        authorizer: route.auth === 'jwt' ? authorizer : undefined,
      });
      // A stage's RouteSettings may only name routes that exist: create the route first.
      if (route.throttle && httpRoute) stage.node.addDependency(httpRoute);
      if (route.auth !== 'jwt' && httpRoute) {
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            route.auth === 'stripe_signature'
              ? `${route.method} ${route.path} is called by Stripe, which cannot present a JWT; the handler verifies the Stripe-Signature HMAC on the raw body with the webhook secret and rejects anything else.`
              : `${route.method} ${route.path} is public by design (auth: 'none' in functions/routes.ts): it returns no tenant data, only liveness or the API description.`,
        });
      }
    }

    // --- Queue consumers ------------------------------------------------------------------------------
    for (const def of queueDefinitions) {
      if (!def.consumerEntry) continue;
      const q = this.queueFor(def.id);
      const fn = this.billingFunction(`${def.id}Consumer`, {
        entry: def.consumerEntry,
        description: `Consumes the ${def.id} queue`,
        timeout: Duration.seconds(def.consumerTimeoutSeconds ?? CONSUMER_TIMEOUT_SECONDS),
        memorySize: 1024,
        needs: CONSUMER_NEEDS[def.id],
      });
      fn.fn.addEventSource(
        new SqsEventSource(q.queue, {
          batchSize: def.batchSize,
          maxBatchingWindow: Duration.seconds(def.maxBatchingWindowSeconds),
          // Handlers return the failed message ids: only those are retried (and eventually dead-lettered),
          // not the whole batch.
          reportBatchItemFailures: true,
        }),
      );
    }

    // --- Schedules ------------------------------------------------------------------------------------
    for (const schedule of schedules) {
      const fn = this.billingFunction(schedule.id, {
        entry: schedule.entry,
        description: schedule.description,
        // Runs page through work queues (GSI2) and may call Stripe. Never longer than the period, so runs of
        // one schedule do not pile up (deliverNotices runs every minute); the work left over is picked up by
        // the next run, as the queues are level-triggered.
        timeout: Duration.minutes(Math.min(5, schedule.everyMinutes)),
        memorySize: 1024,
        // Exactly what the schedule table grants, as for routes: a schedule that starts calling Stripe or
        // sending email says so in functions/schedules.ts rather than inheriting a blanket grant here.
        needs: schedule.needs ?? [],
      });
      new events.Rule(this, `${schedule.id}Schedule`, {
        description: schedule.description,
        schedule: events.Schedule.rate(Duration.minutes(schedule.everyMinutes)),
        // A missed run is caught up by the next one (the work queues are level-triggered), so two retries
        // within an hour are enough.
        targets: [new targets.LambdaFunction(fn.fn, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
      });
    }

    // --- Alarms ---------------------------------------------------------------------------------------
    const backgroundIds = [
      ...queueDefinitions.flatMap((q) => (q.consumerEntry ? [`${q.id}Consumer`] : [])),
      ...schedules.map((s) => s.id),
    ];
    new BillingAlarms(this, 'Alarms', {
      queues: this.queues,
      backgroundFunctions: new Map(backgroundIds.map((fnId) => [fnId, this.functions.get(fnId)!.fn] as const)),
      api: this.api,
      isolatingJobs: schedules.filter((s) => s.isolatesItemFailures),
    });
  }

  private queueFor(id: QueueId): BillingQueue {
    const q = this.queues.get(id);
    if (!q) throw new Error(`queue "${id}" is not defined in the stateful stack`);
    return q;
  }

  private billingFunction(
    id: string,
    opts: {
      entry: string;
      description: string;
      timeout: Duration;
      memorySize: number;
      needs: readonly ConsumerNeed[];
      table?: TableAccess;
    },
  ): BillingFunction {
    const environment: Record<string, string> = {};
    for (const need of opts.needs) {
      const queueNeed = need === 'exports_bucket_write' ? undefined : QUEUE_NEEDS[need];
      if (queueNeed) environment[queueNeed.env] = this.queueFor(queueNeed.queueId).queue.queueUrl;
      if (need === 'exports_bucket' || need === 'exports_bucket_write') {
        environment.EXPORTS_BUCKET = this.exportsBucket.bucketName;
      }
      // Only the ARN: the function reads the value from Secrets Manager at cold start.
      if (need === 'stripe_secret') environment.STRIPE_SECRET_ARN = this.stripeSecret.secretArn;
      if (need === 'webhook_secret') environment.STRIPE_WEBHOOK_SECRET_ARN = this.webhookSecret.secretArn;
      if (need === 'email') environment.SES_FROM_ADDRESS = this.sesFrom().valueAsString;
    }

    const fn = new BillingFunction(this, id, {
      entry: opts.entry,
      description: opts.description.slice(0, 256),
      timeout: opts.timeout,
      memorySize: opts.memorySize,
      tableName: this.table.tableName,
      logLevel: this.logLevel,
      environment,
    });

    this.grantTable(fn, opts.table ?? 'read_write');
    for (const need of opts.needs) {
      const queueNeed = need === 'exports_bucket_write' ? undefined : QUEUE_NEEDS[need];
      // Export documents: presigning a download needs GetObject on the signer's role; the builder only puts
      // (multipart: PutObject covers its parts) and aborts a failed upload. Scoped to the documents' prefix.
      if (need === 'exports_bucket' || need === 'exports_bucket_write') {
        const bucketArn = exportsBucketArnExportName(Stack.of(this.exportsBucket).stackName);
        fn.fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: need === 'exports_bucket' ? ['s3:GetObject'] : ['s3:PutObject', 's3:AbortMultipartUpload'],
            resources: [Fn.join('', [Fn.importValue(bucketArn), `/${EXPORT_OBJECT_PREFIX}*`])],
          }),
        );
        Validations.of(fn.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${bucketArn}/${EXPORT_OBJECT_PREFIX}*]`,
          reason:
            'Export documents are one object per export (exports/<org>/<export>.json[.gz]), named when the export is built: the grant is the documents’ prefix with object actions only (no List, no bucket actions).',
        });
      }
      // SendMessage only (not grantSendMessages, which adds GetQueueAttributes/GetQueueUrl): the URL comes
      // from the environment and SSE-SQS needs no KMS permission.
      if (queueNeed) this.queueFor(queueNeed.queueId).queue.grant(fn.fn, 'sqs:SendMessage');
      if (need === 'stripe_secret') this.stripeSecret.grantRead(fn.fn);
      if (need === 'webhook_secret') this.webhookSecret.grantRead(fn.fn);
      if (need === 'email') {
        // Sending is authorized against the identity used: the address itself or its domain.
        const address = this.sesFrom().valueAsString;
        const domain = Fn.select(1, Fn.split('@', address));
        fn.fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: ['ses:SendEmail'],
            resources: [
              this.formatArn({ service: 'ses', resource: 'identity', resourceName: address }),
              this.formatArn({ service: 'ses', resource: 'identity', resourceName: domain }),
            ],
          }),
        );
      }
    }
    this.functions.set(id, fn);
    return fn;
  }

  /**
   * The table access the route table (or a consumer / schedule: read_write) names. `read_write`: the item
   * actions on the table and its two GSIs — the single-table design has no narrower unit than the table,
   * and which items a tenant may touch is enforced in code. That is grantReadWriteData's job, narrowed (see
   * TABLE_READ_WRITE_ACTIONS) and on the index ARNs named in TABLE_SCHEMA instead of `index/*`, so there is
   * no wildcard to suppress (AwsSolutions-IAM5). `health_check`: GetItem of the health key only
   * (`dynamodb:LeadingKeys`). `none`: nothing.
   */
  private grantTable(fn: BillingFunction, access: TableAccess): void {
    if (access === 'none') return;
    if (access === 'health_check') {
      fn.fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:GetItem'],
          resources: [this.table.tableArn],
          conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [HEALTH_PARTITION] } },
        }),
      );
      return;
    }
    iam.Grant.addToPrincipal({
      grantee: fn.fn,
      actions: TABLE_READ_WRITE_ACTIONS,
      resourceArns: [
        this.table.tableArn,
        ...TABLE_SCHEMA.globalSecondaryIndexes.map((gsi) => `${this.table.tableArn}/index/${gsi.indexName}`),
      ],
    });
  }

  /** Created only when a function sends email, so deployments without notices need no SES parameter. */
  private sesFrom(): CfnParameter {
    this.sesFromAddress ??= new CfnParameter(this, 'SesFromAddress', {
      type: 'String',
      description: 'Verified SES sender address of billing notices',
      allowedPattern: '^[^@\\s]+@[^@\\s]+$',
    });
    return this.sesFromAddress;
  }
}
