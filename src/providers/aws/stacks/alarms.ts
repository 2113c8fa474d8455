// The SNS topic for a task's alarms, its optional e-mail subscription, and alarms on failed or timed-out runs: from the
// container's log and from ECS task stops (every run, however started), and from the Step Functions runner.
import { validateAlarmEmail } from '../../deploy/alarm-email.js';
import { USER_STOP_REASON } from '../describe-fargate-job.js';
import { createPolicyDocument, type PolicyDocument } from './policy-document.js';
import { getAtt, ref, type Resource, type Tag, type Value } from './template.js';

export interface TopicProps {
  TopicName: string;
  DisplayName?: string;
  Tags: Tag[];
}

export interface SubscriptionProps {
  TopicArn: Value;
  Protocol: 'email';
  Endpoint: string;
}

export interface AlarmProps {
  AlarmName: string;
  AlarmDescription: string;
  Namespace: string;
  MetricName: string;
  Dimensions: { Name: string; Value: Value }[];
  Statistic: 'Sum';
  Period: number;
  EvaluationPeriods: number;
  Threshold: number;
  ComparisonOperator: 'GreaterThanOrEqualToThreshold';
  TreatMissingData: 'notBreaching';
  AlarmActions: Value[];
  Tags: Tag[];
}

/** The Step Functions execution metrics handoff alarms on (CloudWatch namespace AWS/States). */
export type StateMachineMetric = 'ExecutionsFailed' | 'ExecutionsTimedOut';

export function createAlarmTopic(name: string, displayName: string, tags: Tag[]): Resource<'AWS::SNS::Topic', TopicProps> {
  // DisplayName is the sender name of e-mail notifications; SNS allows at most 100 characters.
  return { Type: 'AWS::SNS::Topic', Properties: { TopicName: name, DisplayName: displayName.slice(0, 100), Tags: tags } };
}

export { validateAlarmEmail };

/** Subscribes `deploy.alarm_email`; AWS mails a confirmation link, and nothing is delivered until it is clicked. */
export function createEmailSubscription(topicLogicalId: string, email: string): Resource<'AWS::SNS::Subscription', SubscriptionProps> {
  validateAlarmEmail(email);
  return { Type: 'AWS::SNS::Subscription', Properties: { TopicArn: ref(topicLogicalId), Protocol: 'email', Endpoint: email } };
}

/**
 * Alarms as soon as one count is seen within a 5-minute period. Missing data is "not breaching": no runs is not a
 * problem. `dimensions` are empty for handoff's log metrics (metric filters publish none).
 */
function createCountAlarm(input: {
  name: string;
  description: string;
  namespace: string;
  metric: string;
  dimensions: { Name: string; Value: Value }[];
  topicLogicalId: string;
  tags: Tag[];
}): Resource<'AWS::CloudWatch::Alarm', AlarmProps> {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: input.name,
      AlarmDescription: input.description,
      Namespace: input.namespace,
      MetricName: input.metric,
      Dimensions: input.dimensions,
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [ref(input.topicLogicalId)],
      Tags: input.tags,
    },
  };
}

/** An alarm on the runner's failed or timed-out executions (AWS/States): a scheduled run that failed after its retries. */
export function createStateMachineAlarm(input: {
  name: string;
  description: string;
  metric: StateMachineMetric;
  stateMachineArn: Value;
  topicLogicalId: string;
  tags: Tag[];
}): Resource<'AWS::CloudWatch::Alarm', AlarmProps> {
  return createCountAlarm({ ...input, namespace: 'AWS/States', dimensions: [{ Name: 'StateMachineArn', Value: input.stateMachineArn }] });
}

/**
 * An alarm on a metric counted from the container's log (a failed or timed-out task): it fires for every run,
 * whether a schedule, the runner or `cloud run` started it.
 */
export function createLogMetricAlarm(input: { name: string; description: string; namespace: string; metric: string; topicLogicalId: string; tags: Tag[] }): Resource<'AWS::CloudWatch::Alarm', AlarmProps> {
  return createCountAlarm({ ...input, dimensions: [] });
}

export interface EventRuleProps {
  Name: string;
  Description: string;
  State: 'ENABLED';
  EventPattern: Record<string, unknown>;
  Targets: { Id: string; Arn: Value; InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string } }[];
}

export interface TopicPolicyProps {
  Topics: Value[];
  PolicyDocument: PolicyDocument;
}

/**
 * Watches ECS task stops of the task's family, whoever started the run (a schedule, the runner, `cloud run`): a run
 * whose container exited non-zero, or that never started (no image, no capacity), is published to the alarm topic
 * with ECS's reason. This also covers runs that died before they could log a line (the log metrics' blind spot). A run
 * stopped by `cloud job stop` is left out (by the reason it stops tasks with), even one stopped before its handoff began.
 */
export function createTaskStoppedRule(input: { name: string; family: string; description: string; topicLogicalId: string }): Resource<'AWS::Events::Rule', EventRuleProps> {
  return {
    Type: 'AWS::Events::Rule',
    Properties: {
      Name: input.name,
      Description: input.description,
      State: 'ENABLED',
      EventPattern: {
        source: ['aws.ecs'],
        'detail-type': ['ECS Task State Change'],
        detail: {
          lastStatus: ['STOPPED'],
          group: [`family:${input.family}`],
          // A non-zero exit, unless `cloud job stop` stopped the task (its reason): ECS gives a user's stop and a
          // timeout's the same stop code and exit code (143), and only the reason tells them apart.
          $or: [
            { stopCode: ['TaskFailedToStart'] },
            { containers: { exitCode: [{ 'anything-but': 0 }] }, stoppedReason: [{ 'anything-but': USER_STOP_REASON }] },
            { containers: { exitCode: [{ 'anything-but': 0 }] }, stoppedReason: [{ exists: false }] },
          ],
        },
      },
      Targets: [
        {
          Id: 'alarm-topic',
          Arn: ref(input.topicLogicalId),
          InputTransformer: {
            InputPathsMap: { task: '$.detail.taskArn', reason: '$.detail.stoppedReason', code: '$.detail.stopCode' },
            InputTemplate: `"${input.description}: <task> stopped (<code>): <reason>"`,
          },
        },
      ],
    },
  };
}

/** Lets EventBridge publish that rule's events to the alarm topic, and nothing else publish through this grant. */
export function createAlarmTopicPolicy(topicLogicalId: string, ruleLogicalId: string): Resource<'AWS::SNS::TopicPolicy', TopicPolicyProps> {
  return {
    Type: 'AWS::SNS::TopicPolicy',
    Properties: {
      Topics: [ref(topicLogicalId)],
      PolicyDocument: createPolicyDocument([
        {
          Sid: 'TaskStopsFromEventBridge',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: ref(topicLogicalId),
          Condition: { ArnEquals: { 'aws:SourceArn': getAtt(ruleLogicalId, 'Arn') } },
        },
      ]),
    },
  };
}
