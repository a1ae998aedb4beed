import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnBucket } from 'aws-cdk-lib/aws-s3';
import type { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import { TABLE_SCHEMA } from '../../functions/table-schema';
import { type BillingStatefulStack, EXPORT_RETENTION_DAYS, exportsBucketArnExportName } from '../../lib/stateful-stack';
import { PRODUCT_TABLES, synthBilling } from './support';

let stack: BillingStatefulStack;
let template: Template;

beforeAll(() => {
  stack = synthBilling().stateful;
  template = Template.fromStack(stack);
});

describe('table', () => {
  it('is the single table of TABLE_SCHEMA: on-demand, PITR, TTL, AWS-managed KMS, retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.ttlAttribute, Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        // Enabled without a key: KMS with the AWS-managed key (alias/aws/dynamodb).
        SSESpecification: { SSEEnabled: true },
      }),
    });
  });

  it('has every GSI of TABLE_SCHEMA with string keys and ALL projection', () => {
    const table = Object.values(template.findResources('AWS::DynamoDB::Table'))[0];
    const props = table?.Properties;
    const keyNames = [
      TABLE_SCHEMA.partitionKey,
      TABLE_SCHEMA.sortKey,
      ...TABLE_SCHEMA.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey]),
    ];
    expect(props.AttributeDefinitions).toEqual(
      expect.arrayContaining(keyNames.map((AttributeName) => ({ AttributeName, AttributeType: 'S' }))),
    );
    expect(props.AttributeDefinitions).toHaveLength(keyNames.length);
    expect(props.GlobalSecondaryIndexes).toEqual(
      TABLE_SCHEMA.globalSecondaryIndexes.map((g) => ({
        IndexName: g.indexName,
        KeySchema: [
          { AttributeName: g.partitionKey, KeyType: 'HASH' },
          { AttributeName: g.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    );
  });
});

describe('queues', () => {
  it('creates a queue and a DLQ per definition, nothing else', () => {
    template.resourceCountIs('AWS::SQS::Queue', PRODUCT_TABLES.queues.length * 2);
  });

  it.each(PRODUCT_TABLES.queues.map((q) => [q.id, q] as const))('%s: redrive, timeouts, retention, SSE', (id, def) => {
    const q = stack.queues.get(id);
    if (!q) throw new Error(`no queue ${id}`);
    const queueId = stack.getLogicalId(q.queue.node.defaultChild as CfnQueue);
    const dlqId = stack.getLogicalId(q.dlq.node.defaultChild as CfnQueue);
    const queues = template.findResources('AWS::SQS::Queue');

    expect(queues[queueId]?.Properties).toEqual({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: def.visibilityTimeoutSeconds,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: def.maxReceiveCount },
    });
    expect(queues[dlqId]?.Properties).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: def.dlqRetentionDays * 24 * 3600,
    });
    expect(queues[queueId]?.DeletionPolicy).toBe('Retain');
    expect(queues[dlqId]?.DeletionPolicy).toBe('Retain');
  });

  it.each(PRODUCT_TABLES.queues.map((q) => [q.id] as const))('%s and its DLQ deny requests without TLS', (id) => {
    const q = stack.queues.get(id);
    if (!q) throw new Error(`no queue ${id}`);
    for (const construct of [q.queue, q.dlq]) {
      const logicalId = stack.getLogicalId(construct.node.defaultChild as CfnQueue);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Resource: { 'Fn::GetAtt': [logicalId, 'Arn'] },
            }),
          ]),
        },
      });
    }
  });
});

describe('exports bucket', () => {
  const exportsBucket = () => {
    const id = stack.getLogicalId(stack.exportsBucket.node.defaultChild as CfnBucket);
    return { id, bucket: template.toJSON().Resources[id] };
  };

  it('is private, encrypted, versionless and keeps documents 7 days (unfinished uploads 1), logging its access', () => {
    const { bucket } = exportsBucket();
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: {
        Rules: [
          expect.objectContaining({
            ExpirationInDays: EXPORT_RETENTION_DAYS,
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            Status: 'Enabled',
          }),
        ],
      },
      LoggingConfiguration: expect.objectContaining({ LogFilePrefix: 'exports/' }),
    });
    expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
    expect(EXPORT_RETENTION_DAYS).toBe(7);
  });

  it('refuses any request not made over TLS', () => {
    const { id } = exportsBucket();
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Principal: { AWS: '*' },
          }),
        ]),
      },
    });
  });

  it('exports its ARN under the name the API stack’s grants import', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Export?: { Name: string } }>;
    expect(Object.values(outputs).map((o) => o.Export?.Name)).toContain(exportsBucketArnExportName(stack.stackName));
  });
});
