// Least privilege as data: what the task's identity may do (its bucket prefix, its secrets) and who may start its job.
import type { GcpNames } from '../names.js';
import type { Grant } from './iam-policy.js';

export const SECRET_ACCESSOR_ROLE = 'roles/secretmanager.secretAccessor';
// Runs a job with overrides (the schedule's envs) and nothing else (Cloud Run IAM roles).
export const JOB_RUNNER_ROLE = 'roles/run.jobsExecutorWithOverrides';

export function toServiceAccountMember(email: string): string {
  return `serviceAccount:${email}`;
}

/**
 * The task's identity on its bucket: read, write and delete objects under `<task>/` only (the condition on the object
 * name), and list only with a `<task>/` prefix (listing is checked on the bucket, so the condition is on the request's
 * prefix, IAM Conditions attribute `storage.googleapis.com/objectListPrefix`). The bucket uses uniform bucket-level
 * access, so these bindings are the whole of its access; nothing is granted on the project.
 */
export function createBucketGrants(names: GcpNames): Grant[] {
  const prefix = names.s3.taskPrefix;
  return [
    {
      role: 'roles/storage.objectUser',
      condition: {
        title: `handoff ${names.task} objects`,
        description: `Objects under ${prefix} of handoff ${names.resourceGroup}/${names.task}`,
        expression: `resource.name.startsWith("projects/_/buckets/${names.bucket}/objects/${prefix}")`,
      },
    },
    {
      role: 'roles/storage.objectViewer',
      condition: {
        title: `handoff ${names.task} listing`,
        description: `Listing under ${prefix} of handoff ${names.resourceGroup}/${names.task}`,
        expression: `api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("${prefix}")`,
      },
    },
  ];
}

/** On each of the task's two secrets (its own and its resource group's): read the value, nothing else. */
export function createSecretGrants(): Grant[] {
  return [{ role: SECRET_ACCESSOR_ROLE }];
}

/** On the job: the resource group's scheduler identity may start it with overrides. */
export function createJobGrants(): Grant[] {
  return [{ role: JOB_RUNNER_ROLE }];
}
