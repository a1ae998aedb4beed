import { CfnOutput, Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { BillingQueue, QueueId } from './stateful-stack';

export interface BillingAlarmsProps {
  readonly queues: ReadonlyMap<QueueId, BillingQueue>;
  /** Functions that run without a caller to see their errors: queue consumers and schedules. */
  readonly backgroundFunctions: ReadonlyMap<string, lambda.IFunction>;
  readonly api: apigw.IHttpApi;
  /** Schedules that isolate failing items and publish `ScheduledItemFailures` (see functions/schedules.ts). */
  readonly isolatingJobs?: readonly { readonly id: string; readonly everyMinutes: number }[];
}

/**
 * Alarms on the failures nobody would otherwise see: a usage message in a DLQ is revenue not counted, a
 * Stripe event there is a payment state not reconciled, a failing schedule stops dunning or period close.
 * All go to one topic; subscribing people or a pager to it is a deployment choice (output AlarmTopicArn).
 */
export class BillingAlarms extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: BillingAlarmsProps) {
    super(scope, id);

    // CloudWatch cannot publish to a topic encrypted with the AWS-managed alias/aws/sns key (that key policy
    // does not admit cloudwatch.amazonaws.com): alarms would fire and deliver nothing. Hence our own key.
    const key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the billing alarm topic; usable by CloudWatch alarms',
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', { masterKey: key, enforceSSL: true });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.topic.topicArn });
    const notify = new actions.SnsAction(this.topic);
    const add = (alarm: cloudwatch.Alarm) => {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    };

    for (const [queueId, q] of props.queues) {
      add(
        q.dlq
          .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' })
          .createAlarm(this, `${queueId}DlqNotEmpty`, {
            alarmDescription: `Messages in the ${queueId} DLQ: they failed every retry and wait for a redrive`,
            threshold: 1,
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
      );
      // Retries keep a message in the queue up to maxReceiveCount × visibility timeout; older than that and
      // the consumer is not keeping up (or is not attached at all).
      const stuckAfter = q.definition.maxReceiveCount * q.definition.visibilityTimeoutSeconds;
      add(
        q.queue
          .metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' })
          .createAlarm(this, `${queueId}QueueBacklog`, {
            alarmDescription: `The oldest ${queueId} message is older than ${stuckAfter} s: the consumer is behind or down`,
            threshold: stuckAfter,
            evaluationPeriods: 3,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
      );
    }

    for (const [fnId, fn] of props.backgroundFunctions) {
      add(
        fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }).createAlarm(this, `${fnId}Errors`, {
          alarmDescription: `${fnId} failed (an invocation error, not a reported per-record failure)`,
          threshold: 1,
          // Two periods: one transient error (a throttle, a cold-start timeout) is retried and not worth a page.
          evaluationPeriods: 2,
          datapointsToAlarm: 2,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    // An org that fails in every run of a schedule (isolated, so the function itself succeeds): the run
    // reports it in `ScheduledItemFailures` (namespace and dimensions as kernel/metrics.ts publishes them).
    for (const job of props.isolatingJobs ?? []) {
      add(
        new cloudwatch.Metric({
          namespace: 'Billing',
          metricName: 'ScheduledItemFailures',
          dimensionsMap: { service: 'billing', job: job.id },
          statistic: 'Sum',
          period: Duration.minutes(Math.max(5, job.everyMinutes)),
        }).createAlarm(this, `${job.id}ItemFailures`, {
          alarmDescription: `${job.id} keeps failing for some org (isolated and retried each run; see its logs)`,
          threshold: 1,
          // Three periods in a row: one that failed once and succeeded on the next run is not worth a page.
          evaluationPeriods: 3,
          datapointsToAlarm: 3,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    // 5xx from the API: handlers answer problem JSON for expected failures, so any 5xx is a bug or an outage.
    add(
      props.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }).createAlarm(this, 'Api5xx', {
        alarmDescription: 'The billing API answered 5xx',
        threshold: 5,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }
}
