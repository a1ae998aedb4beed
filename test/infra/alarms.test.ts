import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import type { BillingApiStack } from '../../lib/api-stack';
import type { BillingStatefulStack } from '../../lib/stateful-stack';
import { PRODUCT_TABLES, synthBilling } from './support';

const { queues, schedules } = PRODUCT_TABLES;
const background = [
  ...queues.filter((q) => q.consumerEntry).map((q) => `${q.id}Consumer`),
  ...schedules.map((s) => s.id),
];

let api: BillingApiStack;
let stateful: BillingStatefulStack;
let template: Template;

beforeAll(() => {
  ({ api, stateful } = synthBilling());
  template = Template.fromStack(api);
});

const isolating = schedules.filter((s) => s.isolatesItemFailures);

it('one alarm per DLQ, per queue backlog, per background function, per isolating schedule, and API 5xx; all notify the topic', () => {
  template.resourceCountIs('AWS::CloudWatch::Alarm', queues.length * 2 + background.length + isolating.length + 1);
  const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
  for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
    expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    expect(alarm.Properties.TreatMissingData).toBe('notBreaching');
  }
});

it.each(queues.map((q) => [q.id] as const))('%s DLQ: alarms on the first message', (id) => {
  const dlq = stateful.queues.get(id)?.dlq;
  if (!dlq) throw new Error(`no queue ${id}`);
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Threshold: 1,
    Dimensions: [
      {
        Name: 'QueueName',
        Value: { 'Fn::ImportValue': Match.stringLikeRegexp(stateful.getLogicalId(dlq.node.defaultChild as CfnQueue)) },
      },
    ],
  });
});

it('the topic is encrypted with a rotating customer key that CloudWatch may use, and TLS-only', () => {
  template.hasResourceProperties('AWS::KMS::Key', {
    EnableKeyRotation: true,
    KeyPolicy: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        }),
      ]),
    },
  });
  template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  template.hasResourceProperties('AWS::SNS::TopicPolicy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]),
    },
  });
  expect(Object.keys(template.findOutputs('*'))).toEqual(
    expect.arrayContaining([expect.stringMatching(/AlarmTopicArn/)]),
  );
});

it('schedules never run longer than their period, so runs do not pile up', () => {
  for (const s of schedules) {
    const fn = api.functions.get(s.id)?.fn;
    if (!fn) throw new Error(`no function ${s.id}`);
    expect(fn.timeout?.toSeconds()).toBeLessThanOrEqual(s.everyMinutes * 60);
  }
});

it.each(isolating.map((s) => [s.id] as const))('%s: alarms when an org keeps failing in every run', (id) => {
  expect(['advanceDunning', 'deliverNotices']).toEqual(expect.arrayContaining([id]));
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    Namespace: 'Billing',
    MetricName: 'ScheduledItemFailures',
    Dimensions: Match.arrayWith([{ Name: 'job', Value: id }]),
    Threshold: 1,
    EvaluationPeriods: 3,
  });
});
