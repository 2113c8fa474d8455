// Refuses to change what another project's deploy made. Google Cloud names meet three ways: they join the resource group
// and task with `-` (`it-x` + `words` is `it` + `x-words`), they join stage and resource group with `-` (prod + `dev-etl`
// is dev + `etl`), and job, identity and bucket names are lowercase (`Runs` is `runs`). Labels, the job's HO_STAGE and
// the display names handoff gives tell the owners apart; the later project is refused, the deployed one keeps its names.
import { UserError } from '../../../errors.js';
import type { GcpProvider } from '../gcp-provider.js';
import type { GcpNames } from '../names.js';
import { MONITORING_LABEL } from '../resources/monitoring.js';
import type { CloudRunJob } from '../sdk/cloud-run.js';
import { classifyGcpError } from '../sdk/gcp-errors.js';

/** `handoff <rg>/<task>…`: the display names handoff gives, which name the task they were made for (exact case). */
const OWNER_IN_DISPLAY_NAME = /^handoff (\S+?)\/(\S+?)(?::| alarms|$)/;
/** `handoff <rg> scheduler`: the display name of the resource group's scheduler identity. */
const GROUP_IN_DISPLAY_NAME = /^handoff (\S+) scheduler$/;

/** Whose a resource is, as far as it says: labels are lowercase; HO_STAGE and display names keep the case. */
interface FoundOwner {
  /** The staged resource group (`dev-etl`). */
  resourceGroup?: string;
  task?: string;
  stage?: string;
  /** The `handoff-owner` label (a digest of the exact names), when the resource carries one. */
  mark?: string;
  /** Whether resourceGroup, task and stage are spelled as deployed (not lowercased labels). */
  exact: boolean;
}

/** The stage a job runs for: its container's HO_STAGE, which every job handoff makes carries. */
export function readJobStage(job: CloudRunJob | undefined): string | undefined {
  return job?.template?.template?.containers?.[0]?.env?.find((e) => e.name === 'HO_STAGE')?.value ?? undefined;
}

function fromLabels(labels: Readonly<Record<string, string>> | null | undefined): FoundOwner | undefined {
  const resourceGroup = labels?.['handoff-resource-group'];
  if (resourceGroup === undefined) return undefined;
  const { 'handoff-task': task, 'handoff-stage': stage, 'handoff-owner': mark } = labels ?? {};
  return { resourceGroup, exact: false, ...(task !== undefined ? { task } : {}), ...(stage !== undefined ? { stage } : {}), ...(mark !== undefined ? { mark } : {}) };
}

/** `deploy.resource_group` as written: the staged resource group without its stage prefix. */
function bare(resourceGroup: string, stage: string): string {
  return stage.toLowerCase() !== 'prod' && resourceGroup.toLowerCase().startsWith(`${stage.toLowerCase()}-`) ? resourceGroup.slice(stage.length + 1) : resourceGroup;
}

/**
 * A refusal when `found` is not this project's (`scope` task: the task's resources; group: the resource group's). A
 * resource that names no owner (made by someone else, or before labels) is not judged; each part is compared only when
 * both sides know it.
 */
export function findOwnershipConflict(names: GcpNames, what: string, found: FoundOwner | undefined, scope: 'task' | 'group'): UserError | undefined {
  if (found === undefined) return undefined;
  const ours = scope === 'task' ? `${names.resourceGroup}/${names.task}` : names.resourceGroup;
  const theirs = scope === 'task' ? `${found.resourceGroup ?? names.resourceGroup}/${found.task ?? names.task}` : (found.resourceGroup ?? names.resourceGroup);
  if (theirs.toLowerCase() !== ours.toLowerCase()) {
    return new UserError(`the ${what} was made for handoff ${theirs}, not for ${ours}: Google Cloud names join the resource group and task with "-", so the two collide`, {
      fix: `rename deploy.task or deploy.resource_group of this project so that "${names.resourceGroup}-${names.task}" differs from "${theirs.replace('/', '-')}"; nothing was changed`,
    });
  }
  if (found.stage !== undefined && found.stage.toLowerCase() !== names.stage.toLowerCase()) {
    const rg = found.resourceGroup ?? names.resourceGroup;
    return new UserError(
      `the ${what} belongs to stage ${found.stage} (resource group ${bare(rg, found.stage)}), not to this project's stage ${names.stage} (resource group ${names.bareResourceGroup}): ` +
        `the stage prefixes the resource group with "-" (prod has none), so both give the names of ${names.resourceGroup.toLowerCase()}; nothing was changed`,
      { fix: 'rename deploy.resource_group of this project so that its Google Cloud names differ from the other one\'s; the other deployment keeps its names' },
    );
  }
  const sameSpelling = (found.exact ? theirs === ours : true) && (found.stage === undefined || !found.exact || found.stage === names.stage);
  const ourMark = (scope === 'task' ? names.labels : names.resourceGroupLabels)['handoff-owner'];
  if (sameSpelling && (found.mark === undefined || found.mark === ourMark)) return undefined;
  const who = found.exact ? `handoff ${theirs}${found.stage !== undefined ? ` (stage ${found.stage})` : ''}` : `a project whose stage, resource group or task differs from this one's only in case`;
  return new UserError(
    `the ${what} belongs to ${who}, not to this project's ${ours} (stage ${names.stage}): Google Cloud job, service account and bucket names are lowercase, so names that differ only in case meet in them ` +
      '(while secrets and schedules keep the case: the task would be split in two, each schedule firing twice); nothing was changed',
    { fix: 'spell -s/--stage, deploy.resource_group and deploy.task as the deployed ones are, or rename them so that they differ in more than case' },
  );
}

/** The refusal for a deployed job that is not this project's: its labels, and the stage in its env. */
export function findJobConflict(names: GcpNames, job: CloudRunJob | undefined): UserError | undefined {
  const labels = fromLabels(job?.labels);
  if (!labels) return undefined;
  const stage = readJobStage(job);
  // HO_STAGE keeps the case, so it is compared exactly; the labels say the rest (the owner mark, when deployed with one).
  const conflict = findOwnershipConflict(names, `Cloud Run job ${names.jobId}`, { ...labels, ...(stage !== undefined ? { stage } : {}) }, 'task');
  if (conflict || stage === undefined || stage === names.stage) return conflict;
  // The same names but for the stage's spelling (`-s Dev` on dev's job): the job's resource group starts with its stage.
  const resourceGroup = names.stage === 'prod' ? names.resourceGroup : `${stage}${names.resourceGroup.slice(names.stage.length)}`;
  return findOwnershipConflict(names, `Cloud Run job ${names.jobId}`, { resourceGroup, task: names.task, stage, exact: true }, 'task');
}

/** Reads the bucket's labels: a refusal when handoff named it for another stage or spelling (deploy.bucket is not judged). */
export async function findBucketConflict(p: GcpProvider): Promise<UserError | undefined> {
  if (!p.names.ownsBucket) return undefined;
  let bucket: Awaited<ReturnType<typeof p.apis.storage.readBucket>>;
  try {
    bucket = await p.apis.storage.readBucket(p.names.bucket);
  } catch (error) {
    // A run's own identity holds access to its objects only: it cannot read the bucket's labels, nor needs to (it
    // writes where the deploy that passed this check put it).
    if (classifyGcpError((error as { cause?: unknown }).cause ?? error) === 'PERMISSION_DENIED') return undefined;
    throw error;
  }
  return findOwnershipConflict(p.names, `bucket gs://${p.names.bucket}`, fromLabels(bucket?.labels), 'group');
}

/**
 * Reads what this project would write and throws a UserError (exit 2) when another project made it, before anything is
 * written: with `task`, the task's job (labels and stage), its own service account, alert policies and notification
 * channels (display names); with `group`, the bucket (labels) and the group's scheduler identity (display name).
 */
export async function checkOwnership(p: GcpProvider, scope: { task?: boolean; group?: boolean } = { task: true }): Promise<void> {
  const { names } = p;
  const refuseIf = (conflict: UserError | undefined): void => {
    if (conflict) throw conflict;
  };
  const byDisplayName = (what: string, displayName: string | null | undefined): void => {
    const match = OWNER_IN_DISPLAY_NAME.exec(displayName ?? '');
    if (match) refuseIf(findOwnershipConflict(names, what, { resourceGroup: match[1]!, task: match[2]!, exact: true }, 'task'));
  };
  if (scope.task) {
    refuseIf(findJobConflict(names, await (await p.apis.cloudRun()).getJob(names.job)));
    if (names.ownsTaskServiceAccount) {
      const account = await (await p.apis.serviceAccounts()).get(names.taskServiceAccount);
      if (account) byDisplayName(`service account ${names.taskServiceAccount}`, account.displayName);
    }
    const monitoring = await p.apis.monitoring();
    for (const policy of await monitoring.findAlertPolicies(MONITORING_LABEL, names.jobId)) byDisplayName(`alert policy "${policy.displayName}"`, policy.displayName);
    for (const channel of await monitoring.findNotificationChannels(MONITORING_LABEL, names.jobId)) byDisplayName(`notification channel "${channel.displayName}"`, channel.displayName);
  }
  if (scope.group) {
    refuseIf(await findBucketConflict(p));
    const scheduler = await (await p.apis.serviceAccounts()).get(names.schedulerServiceAccount);
    const match = GROUP_IN_DISPLAY_NAME.exec(scheduler?.displayName ?? '');
    if (match) refuseIf(findOwnershipConflict(names, `service account ${names.schedulerServiceAccount}`, { resourceGroup: match[1]!, exact: true }, 'group'));
  }
}
