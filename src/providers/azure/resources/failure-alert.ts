// Pure builders of the task's monitoring: a log alert on failed runs, and the action group that mails deploy.alarm_email.
import type { AzureNames } from '../names.js';
import type { ArmResource } from '../sdk/arm.js';
import { USER_STOP_MARK } from '../../store/user-stops.js';

/**
 * The runs of the task's jobs (its own and its schedules', named `<job>` and `<job>-<hash>`) that failed: handoff's own
 * line for a task that ended with a non-zero code, a container Azure saw end with a non-zero code, a replica past its
 * timeout, and a container that could not start (image pull, back-off) — a run that never started is a failure too;
 * not a run a user stopped with `cloud job stop`.
 */
export function createFailureQuery(names: AzureNames): string {
  const job = names.job;
  const ofTask = `| where ContainerJobName_s == '${job}' or ContainerJobName_s startswith '${job}-'`;
  return [
    // The replicas a user stopped with `cloud job stop` (their handoff logged the mark) are left out, every row of them.
    'let stopped = ContainerAppConsoleLogs_CL',
    ofTask,
    `| where Log_s contains_cs '${USER_STOP_MARK}'`,
    '| project ContainerGroupName_s;',
    'union ContainerAppConsoleLogs_CL, ContainerAppSystemLogs_CL',
    ofTask,
    '| where ContainerGroupName_s !in (stopped) and ReplicaName_s !in (stopped)',
    "| where Log_s matches regex @'Task \\S+ ended with exit code [1-9]'",
    "    or (Reason_s == 'ContainerTerminated' and Log_s !has \"exit code '0'\")",
    "    or Reason_s in ('DeadlineExceeded', 'BackOff', 'ContainerBackOff', 'ImagePullBackOff', 'ErrImagePull', 'ImagePullFailure')",
  ].join('\n');
}

/** Checked every five minutes over the last five; it fires once per failure window and does not resolve by itself. */
export function createAlertRuleBody(names: AzureNames, workspaceId: string, actionGroupId?: string): ArmResource {
  return {
    location: names.location,
    tags: names.tags,
    kind: 'LogAlert',
    properties: {
      displayName: `handoff ${names.resourceGroup}/${names.task}: failed runs`,
      description: `Runs of ${names.resourceGroup}/${names.task} that failed, timed out or never started (Container Apps job ${names.job}).`,
      severity: 1,
      enabled: true,
      evaluationFrequency: 'PT5M',
      windowSize: 'PT5M',
      scopes: [workspaceId],
      criteria: {
        allOf: [{ query: createFailureQuery(names), timeAggregation: 'Count', operator: 'GreaterThan', threshold: 0, failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 } }],
      },
      autoMitigate: false,
      ...(actionGroupId ? { actions: { actionGroups: [actionGroupId] } } : {}),
    },
  };
}

export function createActionGroupBody(names: AzureNames, email: string): ArmResource {
  return {
    location: 'global',
    tags: names.tags,
    properties: { groupShortName: names.actionGroupShortName, enabled: true, emailReceivers: [{ name: 'alarm_email', emailAddress: email, useCommonAlertSchema: true }] },
  };
}
