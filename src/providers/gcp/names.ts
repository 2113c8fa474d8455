// Every Google Cloud name handoff uses, built in this one file and checked against Google's length and character rules.
import { createHash } from 'node:crypto';
import { isValidRepositoryName, toRepositoryName } from '../../container/image-name.js';
import { checkBundledSecretKey, createNameError, findNameProblem as findProblem, throwIfNameProblem as throwIfProblem, type Blame, type NameProblem, type NameRule } from '../deploy/name-rules.js';
import type { StoreNames } from '../provider.js';
import { createS3Layout, createStagedResourceGroup } from '../store/store-layout.js';

/** Where names come from: the `deploy` keys, the stage, and the project and region being deployed to. */
export interface GcpNamesInput {
  /** `deploy.resource_group`, without the stage prefix. */
  resourceGroup: string;
  /** `deploy.task`, bare in every name (SPEC §4). */
  task: string;
  stage: string;
  /** `deploy.gcp_project`. */
  project: string;
  /** `deploy.region`. */
  region: string;
  /** `deploy.bucket`; absent means `handoff-<RG>-<last 8 hex of md5(project id)>`. */
  bucket?: string;
  /** `deploy.container_image`; absent means the task name, lowercased. */
  containerImage?: string;
  /** `deploy.artifact_registry`; absent means `handoff`. */
  artifactRepository?: string;
  /** `deploy.service_account`: an existing identity for the job instead of its own. */
  serviceAccount?: string;
  /** The registry host: `<region>-docker.pkg.dev`, or an emulator's host:port. */
  registryHost?: string;
}

export interface GcpNames extends StoreNames {
  project: string;
  region: string;
  /** `projects/<project>/locations/<region>`: the parent of jobs, schedules and repositories. */
  location: string;
  /** Cloud Run job id: `handoff-<rg>-<task>`, lowercased. */
  jobId: string;
  /** `projects/<project>/locations/<region>/jobs/<job id>`. */
  job: string;
  /** The job's one container. */
  containerName: string;
  /** The job's identity: its own service account, or deploy.service_account. */
  taskServiceAccount: string;
  /** Whether handoff creates (and deletes) the task's service account, i.e. deploy.service_account is not set. */
  ownsTaskServiceAccount: boolean;
  /** Account id of the task's own service account (`ho-<rg>-<task>`, shortened with a hash when too long). */
  taskServiceAccountId: string;
  /** The resource group's scheduler identity, which may start this group's jobs (and nothing else). */
  schedulerServiceAccountId: string;
  schedulerServiceAccount: string;
  /** Artifact Registry repository id and its resource name. */
  artifactRepository: string;
  artifactRepositoryName: string;
  registryHost: string;
  /** The image's name in the registry: `deploy.container_image`, else the task, lowercased. */
  imageName: string;
  /** `<host>/<project>/<repository>/<image>` (without tag). */
  imageRepositoryPath: string;
  /** The secret holding the task's secrets (`handoff_<RG>_<task>`) and the resource group's (`handoff_<RG>`). */
  taskSecretId: string;
  resourceGroupSecretId: string;
  /** Cloud Scheduler job ids of this task start with this (RG and task hold no `_`, so no other task shares it). */
  scheduleJobPrefix: string;
  /** `path`: the schedule's key path (`schedules[0]`), to locate a refusal at its line. */
  scheduleJobId(targetId: string, path?: string): string;
  /** `projects/<project>/locations/<region>/jobs/<schedule job id>`. */
  scheduleJob(targetId: string, path?: string): string;
  /** Log-based metrics of failed and timed-out tasks. */
  failedMetric: string;
  timedOutMetric: string;
  alertPolicyDisplayName: string;
  notificationChannelDisplayName: string;
  /**
   * Labels on what handoff makes for the task, to find and tell apart its resources (label values are lowercase): the
   * resource group, task and stage, and `handoff-owner`, a digest of the exact `<stage>/<resource group>/<task>`. Job,
   * identity and bucket names are lowercase and join stage and resource group with "-", so `Runs` meets `runs` and prod
   * + `dev-etl` meets dev + `etl` in them; the stage and the digest tell those apart (see check-ownership.ts).
   */
  labels: Record<string, string>;
  /**
   * Labels on what the resource group's tasks share (the bucket, the group's secret): the group only, as a task's
   * label there would flip to whichever task deployed last. Its `handoff-owner` digests `<stage>/<resource group>`.
   */
  resourceGroupLabels: Record<string, string>;
  /** Whether handoff named the bucket (deploy.bucket unset): then it is this staged resource group's alone, and judged. */
  ownsBucket: boolean;
  /** The bucket's labels: resourceGroupLabels on the bucket handoff names; the group alone on deploy.bucket's (shareable). */
  bucketLabels: Record<string, string>;
  /** `<host>/<project>/<repository>/<image>:<version>`. */
  imageUri(version: string): string;
}

// Cloud Run job ids: lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen, at most 63
// characters (Cloud Run Admin API v2, Job.name; a DNS-1035 label).
const JOB_RULE: NameRule = { what: 'Cloud Run job name', min: 1, max: 63, pattern: /^[a-z]([-a-z0-9]*[a-z0-9])?$/, allowed: 'lowercase letters, digits and hyphens, starting with a letter' };
// Cloud Storage bucket names: 3-63 characters of lowercase letters, digits, `-`, `_` and `.`, starting and ending with a
// letter or digit (Cloud Storage, "Bucket names"; the other rules are in findBucketProblem).
const BUCKET_RULE: NameRule = { what: 'Cloud Storage bucket name', min: 3, max: 63, pattern: /^[a-z0-9][a-z0-9._-]*[a-z0-9]$/, allowed: 'lowercase letters, digits, - _ and ., starting and ending with a letter or digit' };
// Secret ids: at most 255 letters, digits, `-` and `_` (Secret Manager API, CreateSecretRequest.secret_id).
const SECRET_RULE: NameRule = { what: 'Secret Manager secret id', min: 1, max: 255, pattern: /^[A-Za-z0-9_-]+$/, allowed: 'letters, digits, - and _' };
// Cloud Scheduler job ids: at most 500 letters, digits, `-` and `_` (Cloud Scheduler API, Job.name).
const SCHEDULE_RULE: NameRule = { what: 'Cloud Scheduler job id', min: 1, max: 500, pattern: /^[A-Za-z0-9_-]+$/, allowed: 'letters, digits, - and _' };
// Log-based metric names: at most 100 characters of `A-Za-z0-9_-.,+!*',()%/`, not starting with `/` (Cloud Logging API,
// LogMetric.name). handoff uses no `/`: a name with one must be escaped inside the metric's resource path.
const METRIC_RULE: NameRule = { what: 'log-based metric name', min: 1, max: 100, pattern: /^[A-Za-z0-9_.,+!*'()%-]+$/, allowed: "letters, digits and _ - . , + ! * ' ( ) %" };
// Label values: at most 63 lowercase letters, digits, `_` and `-` (Resource Manager, "Labels").
const LABEL_RULE: NameRule = { what: 'label value', min: 0, max: 63, pattern: /^[a-z0-9_-]*$/, allowed: 'lowercase letters, digits, _ and -' };
// Service account ids: 6-30 characters, `[a-z]([-a-z0-9]*[a-z0-9])` (IAM API, CreateServiceAccountRequest.account_id).
const SERVICE_ACCOUNT_MAX = 30;
// Project ids: 6-30 characters (Resource Manager, "Creating and managing projects").
const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const REGION = /^[a-z]+-[a-z]+[0-9]+$/;
// Resource groups, tasks and stages become parts of job ids and secret ids: letters, digits and inner hyphens (the
// same rule as on AWS, so a project moves between clouds unchanged).
const NAME_PART = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;
// Target ids name Cloud Scheduler jobs: letters, digits, `-` and `_`.
const TARGET_ID = /^[A-Za-z0-9_-]+$/;

/**
 * A service account id from its readable form (`ho-dev-etl-words`); one longer than IAM allows keeps its start and
 * ends with 6 hex digits of the whole, so it stays unique and recognisable.
 */
export function createServiceAccountId(readable: string): string {
  const id = readable.toLowerCase();
  if (id.length <= SERVICE_ACCOUNT_MAX) return id;
  const digest = createHash('sha256').update(id).digest('hex').slice(0, 6);
  return `${id.slice(0, SERVICE_ACCOUNT_MAX - 7).replace(/-+$/, '')}-${digest}`;
}

/**
 * The `handoff-owner` label: 12 hex digits of sha256 of the exact `<stage>/<resource group>[/<task>]`. Label values are
 * lowercase, so the spelling itself cannot be a label; its digest tells `Runs` from `runs` all the same.
 */
export function createOwnerMark(stage: string, resourceGroup: string, task?: string): string {
  return createHash('sha256').update([stage, resourceGroup, ...(task !== undefined ? [task] : [])].join('/')).digest('hex').slice(0, 12);
}

/** `handoff-<RG>-<last 8 hex of md5(project id)>`, the default bucket (SPEC §6 with the project id for the account). */
export function createDefaultBucketName(stagedResourceGroup: string, project: string): string {
  const digest = createHash('md5').update(project).digest('hex');
  return `handoff-${stagedResourceGroup.toLowerCase()}-${digest.slice(-8)}`;
}

/** The secret id of a secret path (`/handoff/<RG>[/<task>]`); undefined for a path that is not one of handoff's. */
export function toSecretId(path: string): string | undefined {
  const parts = path.replace(/\/+$/, '').split('/');
  if (parts[0] !== '' || parts[1] !== 'handoff' || parts.length < 3 || parts.length > 4) return undefined;
  return ['handoff', ...parts.slice(2)].join('_');
}

/**
 * Builds and checks every Google Cloud name of one deploy task. Names that break Google's rules throw one UserError
 * led by the worst problem, with every problem as a diagnostic.
 */
export function createGcpNames(input: GcpNamesInput): GcpNames {
  checkPart(input.stage, 'stage', '-s/--stage');
  checkPart(input.resourceGroup, 'resource group', 'deploy.resource_group');
  checkPart(input.task, 'task', 'deploy.task');
  if (!PROJECT_ID.test(input.project)) {
    throwIfProblem({ message: `"${input.project}" is not a Google Cloud project id`, path: 'deploy.gcp_project', fix: 'set deploy.gcp_project to the project id (gcloud projects list)', over: 0 });
  }
  if (!REGION.test(input.region)) {
    throwIfProblem({ message: `"${input.region}" is not a Google Cloud region`, path: 'deploy.region', fix: 'set deploy.region, e.g. europe-west1', over: 0 });
  }

  const problems: NameProblem[] = [];
  const check = (name: string, rule: NameRule, blame: Blame): string => {
    const problem = findNameProblem(name, rule, blame);
    if (problem) problems.push(problem);
    return name;
  };

  const rg = createStagedResourceGroup(input.resourceGroup, input.stage);
  const { task, project, region } = input;
  const rgText = input.stage === 'prod' ? 'deploy.resource_group' : `deploy.resource_group (with its "${input.stage}-" stage prefix)`;
  const taskBlame: Blame = { inputs: `${rgText} or deploy.task`, path: 'deploy.task' };
  const location = `projects/${project}/locations/${region}`;

  const bucket = input.bucket ?? createDefaultBucketName(rg, project);
  const bucketBlame: Blame =
    input.bucket === undefined ? { inputs: rgText, path: 'deploy.resource_group', fix: 'use a shorter deploy.resource_group, or set deploy.bucket' } : { inputs: 'deploy.bucket', path: 'deploy.bucket' };
  check(bucket, BUCKET_RULE, bucketBlame);
  const bucketProblem = findBucketProblem(bucket, bucketBlame);
  if (bucketProblem) problems.push(bucketProblem);

  const jobId = check(`handoff-${rg}-${task}`.toLowerCase(), JOB_RULE, taskBlame);
  const taskServiceAccountId = createServiceAccountId(`ho-${rg}-${task}`);
  const schedulerServiceAccountId = createServiceAccountId(`ho-${rg}--sched`);
  const serviceAccountDomain = `${project}.iam.gserviceaccount.com`;
  const artifactRepository = input.artifactRepository ?? 'handoff';
  const imageName = input.containerImage ?? toRepositoryName(task);
  if (!isValidRepositoryName(imageName)) {
    problems.push({ message: `image name "${imageName}" is not valid in Artifact Registry`, path: input.containerImage ? 'deploy.container_image' : 'deploy.task', fix: 'set deploy.container_image to lowercase letters and digits joined by . _ or -', over: 0 });
  }
  const registryHost = input.registryHost ?? `${region}-docker.pkg.dev`;
  const imageRepositoryPath = `${registryHost}/${project}/${artifactRepository}/${imageName}`;
  const resourceGroupSecretId = check(`handoff_${rg}`, SECRET_RULE, { inputs: rgText, path: 'deploy.resource_group' });
  const taskSecretId = check(`${resourceGroupSecretId}_${task}`, SECRET_RULE, taskBlame);
  const scheduleJobPrefix = check(`handoff_${rg}_${task}_`, SCHEDULE_RULE, taskBlame);
  // `_` parts the name exactly, as resource groups and tasks hold none.
  const metricBase = `handoff_${rg}_${task}`;
  const stageLabel = check(input.stage.toLowerCase(), LABEL_RULE, { inputs: '-s/--stage', path: '-s/--stage' });
  const groupLabels = {
    'handoff-resource-group': check(rg.toLowerCase(), LABEL_RULE, { inputs: rgText, path: 'deploy.resource_group' }),
    'handoff-stage': stageLabel,
    'handoff-owner': createOwnerMark(input.stage, input.resourceGroup),
  };
  const labels = {
    'handoff-resource-group': groupLabels['handoff-resource-group'],
    'handoff-task': check(task.toLowerCase(), LABEL_RULE, { inputs: 'deploy.task', path: 'deploy.task' }),
    'handoff-stage': stageLabel,
    'handoff-owner': createOwnerMark(input.stage, input.resourceGroup, task),
  };
  const paths = { taskPath: `/handoff/${rg}/${task}`, resourceGroupPath: `/handoff/${rg}` };

  const names: GcpNames = {
    stage: input.stage,
    bareResourceGroup: input.resourceGroup,
    resourceGroup: rg,
    task,
    bucket,
    s3: createS3Layout(task),
    ssmTaskPath: paths.taskPath,
    ssmResourceGroupPath: paths.resourceGroupPath,
    taskParameter: (key) => `${paths.taskPath}/${checkBundledSecretKey(key)}`,
    resourceGroupParameter: (key) => `${paths.resourceGroupPath}/${checkBundledSecretKey(key)}`,
    project,
    region,
    location,
    jobId,
    job: `${location}/jobs/${jobId}`,
    containerName: 'handoff',
    taskServiceAccount: input.serviceAccount ?? `${taskServiceAccountId}@${serviceAccountDomain}`,
    ownsTaskServiceAccount: input.serviceAccount === undefined,
    taskServiceAccountId,
    schedulerServiceAccountId,
    schedulerServiceAccount: `${schedulerServiceAccountId}@${serviceAccountDomain}`,
    artifactRepository,
    artifactRepositoryName: `${location}/repositories/${artifactRepository}`,
    registryHost,
    imageName,
    imageRepositoryPath,
    taskSecretId,
    resourceGroupSecretId,
    scheduleJobPrefix,
    scheduleJobId: (targetId, path = 'schedules[]') => {
      if (!TARGET_ID.test(targetId)) {
        throwIfProblem({ message: `schedule target_id "${targetId}" cannot name a Cloud Scheduler job (letters, digits, - and _ only)`, path: `${path}.target_id`, fix: 'use a target_id such as 1 or daily', over: 0 });
      }
      const id = `${scheduleJobPrefix}${targetId}`;
      throwIfProblem(findNameProblem(id, SCHEDULE_RULE, { inputs: `schedules target_id "${targetId}"`, path: `${path}.target_id` }));
      return id;
    },
    scheduleJob: (targetId, path) => `${location}/jobs/${names.scheduleJobId(targetId, path)}`,
    failedMetric: check(`${metricBase}_failed_tasks`, METRIC_RULE, taskBlame),
    timedOutMetric: check(`${metricBase}_timed_out`, METRIC_RULE, taskBlame),
    alertPolicyDisplayName: `handoff ${rg}/${task}: failed or timed-out runs`,
    notificationChannelDisplayName: `handoff ${rg}/${task} alarms`,
    labels,
    resourceGroupLabels: groupLabels,
    ownsBucket: input.bucket === undefined,
    bucketLabels: input.bucket === undefined ? groupLabels : { 'handoff-resource-group': groupLabels['handoff-resource-group'] },
    imageUri: (version) => {
      // Image tags: up to 128 characters of `[a-zA-Z0-9_][a-zA-Z0-9_.-]*` (Docker tag rules, which Artifact Registry keeps).
      if (!/^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127}$/.test(version)) {
        throwIfProblem({ message: `image version "${version}" is not a valid image tag (up to 128 letters, digits, _ . -, not starting with . or -)`, path: 'deploy.image_version', fix: 'use a tag such as 0.1', over: 0 });
      }
      return `${imageRepositoryPath}:${version}`;
    },
  };
  if (problems.length > 0) throw createNameError(problems);
  return names;
}

/** Cloud Storage rules beyond length and characters: no "goog" prefix, no "google", not an IP address, no `..`. */
function findBucketProblem(bucket: string, blame: Blame): NameProblem | undefined {
  const problems: string[] = [];
  if (bucket.startsWith('goog')) problems.push('starts with "goog"');
  if (/g(o|0)(o|0)gle/.test(bucket)) problems.push('contains "google" or a close misspelling');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) problems.push('looks like an IP address');
  if (bucket.includes('..') || /\.-|-\./.test(bucket)) problems.push('has a dot next to a dot or hyphen');
  if (problems.length === 0) return undefined;
  return { message: `Cloud Storage bucket name "${bucket}" ${problems.join(', ')}`, path: blame.path, fix: blame.fix ?? `change ${blame.inputs}`, over: 0 };
}

function checkPart(value: string, what: string, path: string): void {
  if (!NAME_PART.test(value)) {
    const suggestion = value.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
    throwIfProblem({
      message: `${what} "${value}" can only contain letters, digits and hyphens (not at the start or end), because it becomes part of Cloud Run job and secret names`,
      path,
      fix: suggestion ? `rename the ${what}, e.g. "${suggestion}"` : `rename the ${what}`,
      over: 0,
    });
  }
}

const CLOUD = 'Google Cloud';

function findNameProblem(name: string, rule: NameRule, blame: Blame): NameProblem | undefined {
  return findProblem(name, rule, blame, CLOUD);
}
