// A schedule as a Cloud Scheduler job that runs the task's Cloud Run job with the schedule's envs, and how to compare one.
import { UserError } from '../../../errors.js';
import type { Deploy, Schedule } from '../../../project/types.js';
import type { GcpNames } from '../names.js';
import type { SchedulerJob } from '../sdk/cloud-scheduler.js';
import { toUnixCron } from '../../../schedule/unix-cron.js';
import { nameOverrides, OVERRIDES_ENV, TRIGGER_ENV } from '../../deploy/run-environment.js';

/** What handoff manages on a scheduler job; a deployed one is read back into this shape. */
export interface ScheduleSpec {
  name: string;
  description: string;
  /** unix-cron, in `timeZone`. */
  schedule: string;
  timeZone: string;
  enabled: boolean;
  /** `https://run.googleapis.com/v2/<job>:run` */
  uri: string;
  /** The run's env overrides: HO_STAGE first, then the schedule's envs (`__VARS` is evaluated in the container), their names (HANDOFF_ENV_OVERRIDES), then HANDOFF_TRIGGER=schedule. */
  env: { name: string; value: string }[];
  /** The identity the call is made as (its token is Cloud Run's authorization). */
  serviceAccount: string;
  retryCount: number;
}

// Cloud Scheduler retries a failed start with backoff; these bounds keep a retry well inside a day's schedule.
const MIN_BACKOFF_SECONDS = 30;
const MAX_BACKOFF_SECONDS = 600;
const MAX_DOUBLINGS = 3;
export const DEFAULT_SCHEDULER_RETRIES = 3;
// Job.description "must not contain more than 500 characters" (Cloud Scheduler API v1, job.proto).
const MAX_DESCRIPTION = 500;

export function createScheduleSpec(names: GcpNames, deploy: Deploy, schedule: Schedule): ScheduleSpec {
  const env = [{ name: 'HO_STAGE', value: names.stage }];
  for (const e of schedule.envs) {
    if (e.key === 'HO_STAGE') {
      if (e.value !== names.stage) {
        throw new UserError(`schedule ${schedule.target_id} sets HO_STAGE=${e.value}, but the task is deployed for stage ${names.stage}`, {
          fix: 'remove HO_STAGE from the schedule\'s envs; deploy with -s <stage> instead',
          diagnostics: [{ severity: 'error', message: 'HO_STAGE contradicts the deployed stage', path: `${schedule.path}.envs` }],
        });
      }
      continue;
    }
    if (e.key === TRIGGER_ENV || e.key === OVERRIDES_ENV) continue;
    env.push({ name: e.key, value: e.value });
  }
  const overrides = nameOverrides(env.map((e) => e.name));
  if (overrides !== undefined) env.push({ name: OVERRIDES_ENV, value: overrides });
  env.push({ name: TRIGGER_ENV, value: 'schedule' });
  const description = schedule.description ?? schedule.name ?? `handoff ${names.resourceGroup}/${names.task} schedule ${schedule.target_id}`;
  // Schedules are written last, so a text Cloud Scheduler refuses would fail the deploy half-way: checked here first.
  if ([...description].length > MAX_DESCRIPTION) {
    const key = schedule.description !== undefined ? 'description' : 'name';
    const message = `schedule ${schedule.target_id}'s ${key} is ${[...description].length} characters; Cloud Scheduler takes at most ${MAX_DESCRIPTION}`;
    throw new UserError(message, {
      fix: `shorten schedules[].${key} to ${MAX_DESCRIPTION} characters`,
      diagnostics: [{ severity: 'error', message, path: `${schedule.path}.${key}` }],
    });
  }
  return {
    name: names.scheduleJob(schedule.target_id, schedule.path),
    description,
    schedule: toUnixCron(schedule, 'Cloud Scheduler'),
    timeZone: schedule.timezone ?? 'UTC',
    enabled: schedule.enabled,
    uri: `https://run.googleapis.com/v2/${names.job}:run`,
    env,
    serviceAccount: names.schedulerServiceAccount,
    retryCount: deploy.scheduler_retries ?? DEFAULT_SCHEDULER_RETRIES,
  };
}

/** The body of the run request: Cloud Run's RunJobRequest with the container's env overrides. */
function createRunBody(containerName: string, env: ScheduleSpec['env']): Buffer {
  return Buffer.from(JSON.stringify({ overrides: { containerOverrides: [{ name: containerName, env }] } }));
}

/** The scheduler job as the Cloud Scheduler API takes it (its state is set apart: pause and resume). */
export function toSchedulerJob(spec: ScheduleSpec, containerName: string): SchedulerJob {
  return {
    name: spec.name,
    description: spec.description,
    schedule: spec.schedule,
    timeZone: spec.timeZone,
    httpTarget: {
      uri: spec.uri,
      httpMethod: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: createRunBody(containerName, spec.env),
      oauthToken: { serviceAccountEmail: spec.serviceAccount, scope: 'https://www.googleapis.com/auth/cloud-platform' },
    },
    retryConfig: {
      retryCount: spec.retryCount,
      minBackoffDuration: { seconds: MIN_BACKOFF_SECONDS },
      maxBackoffDuration: { seconds: MAX_BACKOFF_SECONDS },
      maxDoublings: MAX_DOUBLINGS,
    },
  };
}

/** A deployed scheduler job in the shape of ScheduleSpec. */
export function readScheduleSpec(job: SchedulerJob): ScheduleSpec {
  const target = job.httpTarget;
  let env: ScheduleSpec['env'] = [];
  try {
    const body = JSON.parse(Buffer.from((target?.body as Uint8Array | undefined) ?? []).toString('utf8') || '{}') as { overrides?: { containerOverrides?: { env?: ScheduleSpec['env'] }[] } };
    env = (body.overrides?.containerOverrides?.[0]?.env ?? []).map((e) => ({ name: e.name, value: e.value }));
  } catch {
    env = [];
  }
  return {
    name: job.name ?? '',
    description: job.description ?? '',
    schedule: job.schedule ?? '',
    timeZone: job.timeZone || 'UTC',
    enabled: job.state !== 'PAUSED' && job.state !== 'DISABLED',
    uri: target?.uri ?? '',
    env,
    serviceAccount: target?.oauthToken?.serviceAccountEmail ?? '',
    retryCount: Number(job.retryConfig?.retryCount ?? 0),
  };
}

/** The fields of a deployed schedule that differ from the declared one, in the words `schedule list` uses. */
export function compareScheduleSpecs(declared: ScheduleSpec, deployed: ScheduleSpec): string[] {
  const differences: string[] = [];
  if (declared.schedule !== deployed.schedule) differences.push('expression');
  if (declared.timeZone !== deployed.timeZone) differences.push('timezone');
  if (declared.enabled !== deployed.enabled) differences.push('enabled');
  if (declared.description !== deployed.description) differences.push('description');
  if (declared.uri !== deployed.uri || declared.serviceAccount !== deployed.serviceAccount) differences.push('target');
  if (JSON.stringify(declared.env) !== JSON.stringify(deployed.env)) differences.push('envs');
  if (declared.retryCount !== deployed.retryCount) differences.push('retries');
  return differences;
}
