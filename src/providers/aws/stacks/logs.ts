// The task's CloudWatch log group (kept when the task is deleted) and the metric filters that count handoff's own log phrases.
import { UserError } from '../../../errors.js';
import { USER_STOP_MARK } from '../../store/user-stops.js';
import type { Resource, Tag, Value } from './template.js';

export interface LogGroupProps {
  LogGroupName: string;
  RetentionInDays: number;
  Tags: Tag[];
}

export interface MetricFilterProps {
  LogGroupName: Value;
  FilterPattern: string;
  MetricTransformations: { MetricNamespace: string; MetricName: string; MetricValue: string; Unit?: string }[];
}

// The only values PutRetentionPolicy accepts (CloudWatch Logs API reference, retentionInDays).
export const LOG_RETENTION_DAYS: readonly number[] = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
export const DEFAULT_LOG_RETENTION_DAYS = 30;

/**
 * Metric filters on the phrases handoff prints (SPEC §5), so the cloud console shows runs started, ended, failed and
 * timed out per task. CloudWatch filter patterns are case-sensitive; a quoted term matches that exact phrase anywhere
 * in the line, `-"…"` excludes lines containing it.
 */
export const HANDOFF_LOG_METRICS: readonly LogMetric[] = [
  // `Job started at 2024-01-01T00:00:00Z` — printed once when a run begins.
  { logicalId: 'JobStartedMetricFilter', metricName: 'JobStarted', pattern: '"Job started at"' },
  // `Job ended at …` — printed once when a run ends, whatever its result.
  { logicalId: 'JobEndedMetricFilter', metricName: 'JobEnded', pattern: '"Job ended at"' },
  // `Task <name> ended with exit code N`: counted only when N is not 0. A non-zero code never starts with 0, so
  // excluding the phrase followed by "0" excludes exactly the successes (codes 1-255 and negative signal codes stay).
  // A run a user stopped with `cloud job stop` marks its lines (src/providers/store/user-stops.ts): not counted.
  { logicalId: 'TaskFailedMetricFilter', metricName: 'TaskFailed', pattern: `"ended with exit code" -"ended with exit code 0" -"${USER_STOP_MARK}"`, alarm: 'failed' },
  // Timeouts (per command, per task or per run) are logged with the words "timed out" (SPEC §5, timeouts).
  { logicalId: 'TaskTimedOutMetricFilter', metricName: 'TaskTimedOut', pattern: '"timed out"', alarm: 'timed-out' },
];

/** A metric counted from the container's log; `alarm` names the alarm that fires on it (every run writes this log). */
export interface LogMetric {
  logicalId: string;
  metricName: string;
  pattern: string;
  alarm?: 'failed' | 'timed-out';
}

/** Checks `deploy.log_retention_days` against the values CloudWatch Logs accepts; undefined means 30 days. */
export function validateLogRetentionDays(days: number | undefined): number {
  const value = days ?? DEFAULT_LOG_RETENTION_DAYS;
  if (!LOG_RETENTION_DAYS.includes(value)) {
    const fix = `use one of ${LOG_RETENTION_DAYS.join(', ')}`;
    throw new UserError(`deploy.log_retention_days ${value} is not a retention CloudWatch Logs supports`, {
      fix,
      diagnostics: [{ severity: 'error', message: `${value} is not a supported retention`, path: 'deploy.log_retention_days', hint: fix }],
    });
  }
  return value;
}

/**
 * Kept when the stack is deleted or the group replaced (`Retain`): a deleted task's logs can still be read with
 * `cloud logs`, and `cloud task delete -v delete_logs=true` deletes them on purpose. A later deploy of the same task
 * finds the kept group and leaves it outside its stack (see createTaskStack's `logGroup`).
 */
export function createLogGroup(input: { name: string; retentionDays: number; tags: Tag[] }): Resource<'AWS::Logs::LogGroup', LogGroupProps> {
  return {
    Type: 'AWS::Logs::LogGroup',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: { LogGroupName: input.name, RetentionInDays: input.retentionDays, Tags: input.tags },
  };
}

/** Adds 1 to `namespace/metricName` for each log line matching `pattern`; no value is written when nothing matches. */
export function createMetricFilter(input: { logGroupName: Value; pattern: string; namespace: string; metricName: string }): Resource<'AWS::Logs::MetricFilter', MetricFilterProps> {
  return {
    Type: 'AWS::Logs::MetricFilter',
    Properties: {
      LogGroupName: input.logGroupName,
      FilterPattern: input.pattern,
      MetricTransformations: [{ MetricNamespace: input.namespace, MetricName: input.metricName, MetricValue: '1', Unit: 'Count' }],
    },
  };
}
