// The task's monitoring as data: log-based metrics counting failed and timed-out tasks, the alert policy on them and on
// Cloud Run's own count of failed executions, its email channel.
import type { Deploy } from '../../../project/types.js';
import type { GcpNames } from '../names.js';
import { USER_STOP_MARK } from '../../store/user-stops.js';

export interface MetricSpec {
  /** Which count it is: `failed_tasks` or `timed_out`. */
  key: 'failed_tasks' | 'timed_out';
  name: string;
  description: string;
  filter: string;
}

/** The user label handoff puts on its alert policy and notification channel, to find exactly this task's. */
export const MONITORING_LABEL = 'handoff_job';

export interface AlertPolicySpec {
  displayName: string;
  userLabels: Record<string, string>;
  /** One condition per metric (a filter on its time series): more than zero matching lines in a minute opens an incident. */
  conditions: { displayName: string; filter: string }[];
  notificationChannels: string[];
  documentation: string;
}

export interface NotificationChannelSpec {
  displayName: string;
  email: string;
  userLabels: Record<string, string>;
}

/**
 * Counters of handoff's own log phrases (SPEC §5) in the job's logs, as on AWS: a task that ended with a non-zero exit
 * code, and anything that timed out. `:` is the Logging query language's "contains"; a code never starts with 0
 * unless it is 0, so excluding "exit code 0" excludes exactly the successes. A run a user stopped with `cloud job
 * stop` marks its lines (src/providers/store/user-stops.ts): they are not counted; Cloud Run counts it as cancelled.
 */
export function createMetricSpecs(names: GcpNames): MetricSpec[] {
  const job = `resource.type="cloud_run_job" AND resource.labels.job_name="${names.jobId}" AND resource.labels.location="${names.region}"`;
  return [
    { key: 'failed_tasks', name: names.failedMetric, description: `Tasks of handoff ${names.resourceGroup}/${names.task} that ended with a non-zero exit code`, filter: `${job} AND textPayload:"ended with exit code" AND NOT textPayload:"ended with exit code 0" AND NOT textPayload:"${USER_STOP_MARK}"` },
    { key: 'timed_out', name: names.timedOutMetric, description: `Timeouts in runs of handoff ${names.resourceGroup}/${names.task}`, filter: `${job} AND textPayload:"timed out"` },
  ];
}

/** The time series of a log-based metric, as a Monitoring filter (user-defined metrics live under logging.googleapis.com/user/). */
function toMetricFilter(metric: string): string {
  return `metric.type="logging.googleapis.com/user/${metric}" AND resource.type="cloud_run_job"`;
}

/** Cloud Run's own count of the job's completed executions, by result. */
const COMPLETED_EXECUTIONS_METRIC = 'run.googleapis.com/job/completed_execution_count';

/**
 * The job's executions that Cloud Run counts as failed. It catches what writes no line of handoff's to count: an
 * execution stopped by Cloud Run's own task timeout, one whose image could not be started, a container killed for
 * its memory.
 */
function failedExecutionsFilter(names: GcpNames): string {
  return `metric.type="${COMPLETED_EXECUTIONS_METRIC}" AND resource.type="cloud_run_job" AND resource.labels.job_name="${names.jobId}" AND resource.labels.location="${names.region}" AND metric.labels.result="failed"`;
}

export function createAlertPolicySpec(names: GcpNames, deploy: Deploy, emailChannel?: string): AlertPolicySpec {
  return {
    displayName: names.alertPolicyDisplayName,
    userLabels: { [MONITORING_LABEL]: names.jobId },
    conditions: [
      { displayName: 'A task ended with a non-zero exit code', filter: toMetricFilter(names.failedMetric) },
      { displayName: 'A run or task timed out', filter: toMetricFilter(names.timedOutMetric) },
      { displayName: 'An execution failed as Cloud Run saw it (its own timeout, an image it could not start, a killed container)', filter: failedExecutionsFilter(names) },
    ],
    notificationChannels: [...(deploy.notification_channels ?? []), ...(emailChannel ? [emailChannel] : [])],
    documentation: `A run of handoff ${names.resourceGroup}/${names.task} (Cloud Run job ${names.jobId}) failed or timed out. See its logs: handoff cloud logs -p <project>, or handoff cloud job status.`,
  };
}

/** `deploy.alarm_email` as an email notification channel, as on AWS it subscribes to the alarm topic. */
export function createNotificationChannelSpec(names: GcpNames, deploy: Deploy): NotificationChannelSpec | undefined {
  if (!deploy.alarm_email) return undefined;
  return { displayName: names.notificationChannelDisplayName, email: deploy.alarm_email, userLabels: { [MONITORING_LABEL]: names.jobId } };
}
