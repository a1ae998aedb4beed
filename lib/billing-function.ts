import * as fs from 'node:fs';
import * as path from 'node:path';
import { Annotations, type Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The repository root: handler `entry` paths in the pure-data tables are relative to it. */
export const REPO_ROOT = path.resolve(__dirname, '..');

export interface HandlerRef {
  /** The function id (route id, `<queue>Consumer`, schedule id). */
  readonly id: string;
  /** Relative to the repository root, as written in functions/routes.ts, queues.ts or schedules.ts. */
  readonly entry: string;
}

/** Thrown when a table names a handler file that does not exist (yet): names the entries, not esbuild. */
export class MissingHandlerError extends Error {
  constructor(readonly missing: readonly HandlerRef[]) {
    super(
      `Missing handler file(s), relative to ${REPO_ROOT}:\n` +
        missing.map((m) => `  - ${m.id}: ${m.entry}`).join('\n') +
        '\nAdd each handler module (it must export `handler`) or remove its row from ' +
        'functions/routes.ts, functions/queues.ts or functions/schedules.ts.',
    );
    this.name = 'MissingHandlerError';
  }
}

/**
 * How every function is bundled (NodejsFunction's options). `lib/bundle-sizes.ts` bundles with the same
 * options to check sizes without a full synth.
 */
export const BUNDLING = {
  minify: true,
  sourceMap: true,
  format: OutputFormat.CJS,
  target: 'node22',
  // The AWS SDK v3 that the nodejs22.x runtime ships is used rather than bundled: it keeps every
  // bundle small (faster cold starts, faster deploys) and AWS patches it with the runtime. The
  // handlers only use stable DynamoDB/SQS/credential APIs, so the runtime's version (which can
  // differ from the one pinned in package-lock.json for tests) is compatible. Bundle it instead
  // if a handler ever needs an SDK feature newer than the runtime's.
  externalModules: ['@aws-sdk/*'],
  // Synth must work offline on machines without Docker: the local esbuild is pinned in package.json.
  forceDockerBundling: false,
} as const;

/** Stands in for a missing handler when bundling is skipped: NodejsFunction checks the file exists, no more. */
export const MISSING_HANDLER_PLACEHOLDER = path.join(REPO_ROOT, 'lib', 'missing-handler.ts');

/** Checks all entries up front so one synth reports every missing handler, before any bundling starts. */
export function assertHandlersExist(refs: readonly HandlerRef[]): void {
  const missing = refs.filter((r) => !fs.existsSync(path.join(REPO_ROOT, r.entry)));
  if (missing.length > 0) throw new MissingHandlerError(missing);
}

export interface BillingFunctionProps {
  /** The handler module relative to the repository root, as written in the route/queue/schedule tables. */
  readonly entry: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  /** Variables beyond the common ones (TABLE_NAME, Powertools, source maps). */
  readonly environment?: Record<string, string>;
  readonly tableName: string;
  readonly logLevel: string;
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The one place every Lambda of the product is created, so runtime, bundling, logging, tracing and the
 * execution role cannot drift between routes, queue consumers and schedules.
 *
 * Each function gets its own role with no managed policy: instead of AWSLambdaBasicExecutionRole
 * (which may create any log group and write to any stream in the account) the role may only write to
 * this function's own, explicitly created log group.
 */
export class BillingFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BillingFunctionProps) {
    super(scope, id);

    // NodejsFunction would also fail on a missing entry, but its message does not say which table row is
    // wrong, and handlers land in the same worktree while this stack is being synthesized. NodejsFunction
    // insists on an existing entry even when bundling is skipped (`-c skipBundling=true`, template tests),
    // where the file is never read: there a missing handler becomes a warning and a placeholder entry, so
    // the template and cdk-nag can be reviewed before every handler exists. A bundling synth still fails.
    let entry = path.join(REPO_ROOT, props.entry);
    if (!fs.existsSync(entry)) {
      if (Stack.of(this).bundlingRequired) throw new MissingHandlerError([{ id, entry: props.entry }]);
      Annotations.of(this).addWarningV2(
        'billing:missingHandler',
        `Handler ${props.entry} does not exist yet; this template-only synth uses a placeholder and a bundling synth will fail.`,
      );
      entry = MISSING_HANDLER_PLACEHOLDER;
    }

    // Explicit group: retention is ours (the implicit /aws/lambda group would keep logs forever) and the
    // role below can be scoped to it.
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${Stack.of(this).stackName}/${id}`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Fn', {
      entry,
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      // Graviton: cheaper per GB-second and at least as fast for this I/O-bound JSON work.
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize,
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      bundling: { ...BUNDLING, externalModules: [...BUNDLING.externalModules] },
      environment: {
        TABLE_NAME: props.tableName,
        POWERTOOLS_SERVICE_NAME: 'billing',
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        // Stack traces point at the TypeScript sources through the bundled source maps.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
    });

    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x on purpose: the bundles target node22 and the code is tested on Node 20/22; moving to a newer runtime is a deliberate upgrade (target, tests, SDK in the runtime), not a side effect of a new CDK release.',
    });
    // Tracing.ACTIVE adds xray:PutTraceSegments/PutTelemetryRecords on "*" to this role's policy; the infra
    // tests assert that X-Ray is the only statement with a "*" resource.
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments and PutTelemetryRecords do not support resource-level permissions; "*" is the only possible resource for active tracing.',
    });
  }
}
