import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { EXPORT_RETENTION_DAYS } from '../functions/export/domain/export-job';
import { QUEUES, type QueueDefinition } from '../functions/queues';

/**
 * Export documents are kept this long (a new export can always be built); the API shows an export as
 * expired from the same number of days, so it never hands out a URL to removed files.
 */
export { EXPORT_RETENTION_DAYS };

/**
 * The CloudFormation export of the exports bucket's ARN, named explicitly: the API stack's grants import it
 * by this name, so cdk-nag's finding on the grant (which names the import) can be acknowledged exactly.
 */
export const exportsBucketArnExportName = (statefulStackName: string) => `${statefulStackName}-ExportsBucketArn`;

import { TABLE_SCHEMA } from '../functions/table-schema';

export type QueueId = QueueDefinition['id'];

export interface BillingQueue {
  readonly queue: sqs.Queue;
  readonly dlq: sqs.Queue;
  readonly definition: QueueDefinition;
}

export interface BillingStatefulStackProps extends StackProps {
  /** Defaults to the product's QUEUES; tests pass their own. */
  readonly queues?: readonly QueueDefinition[];
}

/**
 * Everything that holds data: the table, the queues and the exports bucket. Kept apart from the API and functions so that
 * stateless changes (most deploys) can never replace or delete data, and so the stateless stack can be
 * destroyed and recreated freely.
 */
export class BillingStatefulStack extends Stack {
  readonly table: dynamodb.Table;
  readonly queues: ReadonlyMap<QueueId, BillingQueue>;
  /** Billing export documents (private; objects expire after EXPORT_RETENTION_DAYS). */
  readonly exportsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: BillingStatefulStackProps = {}) {
    super(scope, id, props);

    const s = TABLE_SCHEMA;
    const str = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: str(s.partitionKey),
      sortKey: str(s.sortKey),
      // Usage is bursty and unpredictable per tenant: on-demand avoids throttling and idle capacity.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: s.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // KMS with the AWS-managed key: encryption use is visible in CloudTrail, without a key to manage.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Billing records must survive a stack deletion or a replacement by mistake.
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });
    for (const gsi of s.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: gsi.indexName,
        partitionKey: str(gsi.partitionKey),
        sortKey: str(gsi.sortKey),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }

    const queues = new Map<QueueId, BillingQueue>();
    for (const def of props.queues ?? QUEUES) {
      const common = {
        // SSE-SQS: encrypted at rest with no KMS key policy to keep in sync with producers and consumers.
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        // Deny any request not made over TLS (queue policy with aws:SecureTransport=false).
        enforceSSL: true,
      };
      const dlq = new sqs.Queue(this, `${def.id}Dlq`, {
        ...common,
        retentionPeriod: Duration.days(def.dlqRetentionDays),
      });
      const queue = new sqs.Queue(this, `${def.id}Queue`, {
        ...common,
        visibilityTimeout: Duration.seconds(def.visibilityTimeoutSeconds),
        deadLetterQueue: { queue: dlq, maxReceiveCount: def.maxReceiveCount },
      });
      // Messages are in-flight billing facts: never drop a queue (and what it holds) with the stack.
      queue.applyRemovalPolicy(RemovalPolicy.RETAIN);
      dlq.applyRemovalPolicy(RemovalPolicy.RETAIN);
      queues.set(def.id, { queue, dlq, definition: def });
    }
    this.queues = queues;

    // Billing exports: documents an org downloads through presigned URLs. Private (public access blocked,
    // owner-enforced object ownership: no ACLs), encrypted, TLS only, and temporary: an export can always be
    // built again, so objects (and unfinished multipart uploads) expire rather than pile up. Its access log
    // goes to a bucket of its own.
    const exportLogs = new s3.Bucket(this, 'ExportsAccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(exportLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is the exports bucket’s server access log destination; logging it would log itself.',
    });
    this.exportsBucket = new s3.Bucket(this, 'ExportsBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      serverAccessLogsBucket: exportLogs,
      serverAccessLogsPrefix: 'exports/',
      lifecycleRules: [
        { expiration: Duration.days(EXPORT_RETENTION_DAYS), abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // Temporary files by design (7 days): nothing is lost if the stack ever replaces the bucket.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // What operators and producers outside this app need: the agent runtime sends usage to the queue URL and
    // is granted sqs:SendMessage on its ARN by its own stack; the DLQ URLs are where redrives start.
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'ExportsBucketName', { value: this.exportsBucket.bucketName });
    new CfnOutput(this, 'ExportsBucketArn', {
      value: this.exportsBucket.bucketArn,
      exportName: exportsBucketArnExportName(this.stackName),
    });
    for (const [id, q] of queues) {
      new CfnOutput(this, `${id}QueueUrl`, { value: q.queue.queueUrl });
      new CfnOutput(this, `${id}QueueArn`, { value: q.queue.queueArn });
      new CfnOutput(this, `${id}DlqUrl`, { value: q.dlq.queueUrl });
    }
  }
}
