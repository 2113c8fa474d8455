// Every AWS name handoff uses, built in this one file and checked against AWS's length and character rules (SPEC §4, §6, §8).
import { createHash } from 'node:crypto';
import { UserError, type Diagnostic } from '../../errors.js';
import type { S3Layout } from '../provider.js';
import { createS3Layout, createStagedResourceGroup } from '../store/store-layout.js';
import { plural } from '../../plural.js';

export { createStagedResourceGroup };

/** The input names come from: `deploy` keys of project.yml, the stage, and the caller's account and region. */
export interface DeployNamesInput {
  /** `deploy.resource_group`, without the stage prefix. */
  resourceGroup: string;
  /** `deploy.task`: the deploy task name (bare in every name, SPEC §4). */
  task: string;
  stage: string;
  /** 12-digit AWS account id of the account being deployed to. */
  accountId: string;
  /** `deploy.bucket`; absent means `handoff-<RG>-<last 8 hex of md5(account id)>`. */
  bucket?: string;
  region: string;
  /** `deploy.container_image`; absent means the task name. Used as the ECR repository name. */
  containerImage?: string;
  /** `deploy.cluster`: an existing ECS cluster (name or ARN); absent means `handoff-<RG>`, made by the resources stack. */
  cluster?: string;
}

/** S3 keys and prefixes of one task inside the bucket (SPEC §6): the layout every provider shares. */
export type { S3Layout };

/** Names of the exports the resources stack publishes and the task stack imports. */
export interface ResourceExports {
  clusterArn: string;
  subnets: string;
  securityGroups: string;
  executionRoleArn: string;
  runnerRoleArn: string;
  schedulerRoleArn: string;
  /** `ENABLED` or `DISABLED`: whether tasks need a public IP in the resource group's subnets. */
  assignPublicIp: string;
}

export interface DeployNames {
  stage: string;
  /** `aws`, `aws-cn` or `aws-us-gov`, from the region. */
  partition: string;
  /** The region in a few characters (`use1`, `euw1`, `apse2`): part of IAM names, which are global to the account. */
  regionCode: string;
  /** `handoff-<RG>`: the start of every name of the resource group. */
  prefix: string;
  /** The resource group as written in project.yml. */
  bareResourceGroup: string;
  /** `<stage>-<rg>` for every stage but prod, bare for prod: the `<RG>` of every name below. */
  resourceGroup: string;
  task: string;
  accountId: string;
  region: string;
  bucket: string;
  /** True when `deploy.bucket` (or `-e bucket=`) names the bucket: one that exists already is used as it is. */
  bucketNamed: boolean;
  bucketStack: string;
  resourcesStack: string;
  taskStack: string;
  /** The ECS cluster's name: `deploy.cluster`'s, else `handoff-<RG>`. */
  cluster: string;
  clusterArn: string;
  /** False when `deploy.cluster` names a cluster handoff does not manage. */
  ownCluster: boolean;
  taskDefinitionFamily: string;
  containerName: string;
  logGroup: string;
  logStreamPrefix: string;
  metricNamespace: string;
  /** IAM path shared by every role of the resource group, so policies can name "this group's roles" exactly. */
  rolePath: string;
  executionRole: string;
  runnerRole: string;
  /** NAT gateway, Elastic IP and private subnets of `deploy.static_ip` are named from this. */
  networkName: string;
  schedulerRole: string;
  taskRole: string;
  stateMachine: string;
  scheduleGroup: string;
  alarmTopic: string;
  executionsFailedAlarm: string;
  executionsTimedOutAlarm: string;
  taskFailedAlarm: string;
  taskTimedOutAlarm: string;
  /** EventBridge rule on ECS task stops of the task's family. */
  taskStoppedRule: string;
  ecrRepository: string;
  /** ARN of the managed policy every role handoff makes carries as its permissions boundary (one per account). */
  permissionsBoundaryArn: string;
  /** SSM path of the task's secrets: `/handoff/<RG>/<task>`. */
  ssmTaskPath: string;
  /** SSM path of resource-group-level secrets: `/handoff/<RG>`. */
  ssmResourceGroupPath: string;
  exports: ResourceExports;
  s3: S3Layout;
  /** `/handoff/<RG>/<task>/<key>` */
  taskParameter(key: string): string;
  /** `/handoff/<RG>/<key>` */
  resourceGroupParameter(key: string): string;
  /** Name of the EventBridge Scheduler schedule of `schedules[].target_id` inside the task's schedule group. */
  scheduleName(targetId: string): string;
  /** `<account>.dkr.ecr.<region>.<domain>/<repository>:<version>` */
  ecrImageUri(version: string): string;
}

/** One AWS naming rule, with the documentation it comes from. */
interface NameRule {
  what: string;
  min: number;
  max: number;
  pattern: RegExp;
  /** Human-readable form of `pattern` for messages. */
  allowed: string;
}

// CloudFormation stack names: 1-128 characters, `[a-zA-Z][-a-zA-Z0-9]*` (CreateStack API, StackName).
const STACK_RULE: NameRule = { what: 'CloudFormation stack name', min: 1, max: 128, pattern: /^[a-zA-Z][-a-zA-Z0-9]*$/, allowed: 'letters, digits and hyphens, starting with a letter' };
// S3 bucket names: 3-63 characters; lowercase letters, digits, dots and hyphens; begin and end with a letter or digit
// (S3 User Guide, "Bucket naming rules"; the other rules are checked in findBucketProblem).
const BUCKET_RULE: NameRule = { what: 'S3 bucket name', min: 3, max: 63, pattern: /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/, allowed: 'lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit' };
// ECS cluster names: up to 255 letters, digits, hyphens and underscores (CreateCluster API, clusterName).
const CLUSTER_RULE: NameRule = { what: 'ECS cluster name', min: 1, max: 255, pattern: /^[a-zA-Z0-9_-]+$/, allowed: 'letters, digits, hyphens and underscores' };
// Task-definition families: up to 255 letters, digits, hyphens and underscores (RegisterTaskDefinition API, family).
const FAMILY_RULE: NameRule = { what: 'ECS task definition family', min: 1, max: 255, pattern: /^[a-zA-Z0-9_-]+$/, allowed: 'letters, digits, hyphens and underscores' };
// Container names: up to 255 letters, digits, hyphens and underscores (ContainerDefinition.name).
const CONTAINER_RULE: NameRule = { what: 'ECS container name', min: 1, max: 255, pattern: /^[a-zA-Z0-9_-]+$/, allowed: 'letters, digits, hyphens and underscores' };
// Log group names: 1-512 characters of `[\.\-_/#A-Za-z0-9]` (CreateLogGroup API, logGroupName).
const LOG_GROUP_RULE: NameRule = { what: 'CloudWatch log group name', min: 1, max: 512, pattern: /^[.\-_/#A-Za-z0-9]+$/, allowed: 'letters, digits and . - _ / #' };
// Metric namespaces: 1-255 characters, must not start with `AWS/` or `:` (PutMetricData API, Namespace).
const NAMESPACE_RULE: NameRule = { what: 'CloudWatch metric namespace', min: 1, max: 255, pattern: /^(?!AWS\/)[A-Za-z0-9._/#-][A-Za-z0-9._/# :-]*$/, allowed: 'letters, digits and . - _ / # : space, not starting with AWS/' };
// IAM role names: 1-64 characters of `[\w+=,.@-]` (CreateRole API, RoleName).
const ROLE_RULE: NameRule = { what: 'IAM role name', min: 1, max: 64, pattern: /^[\w+=,.@-]+$/, allowed: 'letters, digits and + = , . @ _ -' };
// IAM paths: 1-512 characters, `/` or `/…/` of printable ASCII (CreateRole API, Path).
const ROLE_PATH_RULE: NameRule = { what: 'IAM role path', min: 1, max: 512, pattern: /^\/([\x21-\x7e]+\/)?$/, allowed: 'printable ASCII between slashes' };
// State machine names: 1-80 characters; only `0-9A-Za-z-_` keeps CloudWatch logging possible (CreateStateMachine API, name).
const STATE_MACHINE_RULE: NameRule = { what: 'Step Functions state machine name', min: 1, max: 80, pattern: /^[0-9A-Za-z_-]+$/, allowed: 'letters, digits, hyphens and underscores' };
// Schedule group and schedule names: 1-64 characters of `[0-9a-zA-Z-_.]` (EventBridge Scheduler CreateScheduleGroup/CreateSchedule, Name).
const SCHEDULE_GROUP_RULE: NameRule = { what: 'EventBridge Scheduler schedule group name', min: 1, max: 64, pattern: /^[0-9a-zA-Z._-]+$/, allowed: 'letters, digits and . _ -' };
const SCHEDULE_RULE: NameRule = { what: 'EventBridge Scheduler schedule name', min: 1, max: 64, pattern: /^[0-9a-zA-Z._-]+$/, allowed: 'letters, digits and . _ -' };
// SNS topic names: up to 256 letters, digits, hyphens and underscores (CreateTopic API, Name).
const TOPIC_RULE: NameRule = { what: 'SNS topic name', min: 1, max: 256, pattern: /^[A-Za-z0-9_-]+$/, allowed: 'letters, digits, hyphens and underscores' };
// CloudWatch alarm names: 1-255 printable characters (PutMetricAlarm API, AlarmName).
const ALARM_RULE: NameRule = { what: 'CloudWatch alarm name', min: 1, max: 255, pattern: /^[\x20-\x7e]+$/, allowed: 'printable ASCII' };
// EventBridge rule names: 1-64 characters of `[\.\-_A-Za-z0-9]` (PutRule API, Name).
const EVENT_RULE_RULE: NameRule = { what: 'EventBridge rule name', min: 1, max: 64, pattern: /^[.\-_A-Za-z0-9]+$/, allowed: 'letters, digits and . - _' };
// ECR repository names: 2-256 characters, lowercase, `(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*` (CreateRepository API).
const ECR_RULE: NameRule = { what: 'ECR repository name', min: 2, max: 256, pattern: /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/, allowed: 'lowercase letters, digits and . _ - separated groups, optionally with / namespaces' };
// SSM parameter names: `a-zA-Z0-9_.-` and `/` for hierarchy; the whole ARN may be at most 1011 characters and the
// hierarchy at most 15 levels (Systems Manager User Guide, "Parameter naming requirements").
const SSM_KEY_RULE: NameRule = { what: 'SSM parameter key', min: 1, max: 1011, pattern: /^[a-zA-Z0-9_.-]+$/, allowed: 'letters, digits and _ . -' };
const SSM_MAX_ARN = 1011;
const SSM_MAX_LEVELS = 15;

// Names in project.yml that end up inside stack names must fit the strictest rule they feed: letters, digits and
// inner hyphens (stack names forbid `_` and `.`). The original handoff had the same constraint through its stack names.
const NAME_PART = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;
// Task names that would make the task stack collide with the resource group's own stacks.
const RESERVED_TASK_NAMES = new Set(['bucket', 'resources']);

/** Stack and managed policy name of the permissions boundary every handoff role carries; IAM names are per account. */
export const PERMISSIONS_BOUNDARY_NAME = 'handoff-permissions-boundary';
/** IAM path of the boundary policy. */
export const PERMISSIONS_BOUNDARY_PATH = '/handoff/';
/** Tag keys handoff puts on everything it makes; the deploy role's conditions rely on them. */
export const TAG_RESOURCE_GROUP = 'handoff:resource-group';
export const TAG_TASK = 'handoff:task';
/** The stage, apart from the resource group: `<stage>-<RG>` of stage dev + `etl` is prod's + `dev-etl` (check-ownership.ts). */
export const TAG_STAGE = 'handoff:stage';

/** The partition of a region: China and GovCloud regions have their own ARNs. */
export function findPartition(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

const REGION_WORDS: Record<string, string> = {
  north: 'n',
  south: 's',
  east: 'e',
  west: 'w',
  central: 'c',
  northeast: 'ne',
  northwest: 'nw',
  southeast: 'se',
  southwest: 'sw',
  gov: 'gov',
  iso: 'iso',
  isob: 'isob',
};

/**
 * A region in a few characters, unique among regions: `us-east-1` → `use1`, `ap-southeast-2` → `apse2`, `ap-south-1` →
 * `aps1`, `us-gov-west-1` → `usgovw1`. Words not known yet are kept whole, so a new region never collides.
 */
export function createRegionCode(region: string): string {
  return region
    .split('-')
    .map((word, i) => (i === 0 || /^\d+$/.test(word) ? word : (REGION_WORDS[word] ?? word)))
    .join('');
}

/**
 * Reads `deploy.cluster` as a name or an ECS cluster ARN; an ARN must be of this account and region (its account is
 * not compared while the account is not known yet: `accountKnown` false).
 */
export function parseClusterReference(value: string, input: { region: string; accountId: string; accountKnown?: boolean }): { name: string; arn: string } {
  const partition = findPartition(input.region);
  const arn = /^arn:(aws[a-z-]*):ecs:([a-z0-9-]+):(\d{12}):cluster\/(.+)$/.exec(value);
  const fix = `set deploy.cluster to the name of a cluster in ${input.region} or its ARN, arn:${partition}:ecs:${input.region}:${input.accountKnown === false ? '<account>' : input.accountId}:cluster/<name>`;
  if (arn) {
    if (arn[2] !== input.region || (input.accountKnown !== false && arn[3] !== input.accountId)) {
      throw new UserError(`deploy.cluster ${value} is in ${arn[2]} of account ${arn[3]}, but the task deploys to ${input.region} of account ${input.accountId}`, {
        fix,
        diagnostics: [{ severity: 'error', message: 'the cluster is in another region or account', path: 'deploy.cluster', hint: fix }],
      });
    }
    throwIfProblem(findNameProblem(arn[4]!, CLUSTER_RULE, { inputs: 'deploy.cluster', path: 'deploy.cluster', fix }));
    return { name: arn[4]!, arn: value };
  }
  throwIfProblem(findNameProblem(value, CLUSTER_RULE, { inputs: 'deploy.cluster', path: 'deploy.cluster', fix }));
  return { name: value, arn: `arn:${partition}:ecs:${input.region}:${input.accountId}:cluster/${value}` };
}

/** Stack name of the deploy role for `accountId`: `handoff-role-<account>`; also the IAM role's name. */
export function createDeployRoleName(accountId: string): string {
  checkAccountId(accountId, 'account id');
  // 25 characters, so it always satisfies both the stack rule (128) and the role rule (64).
  return `handoff-role-${accountId}`;
}

/** `handoff-<RG>-<last 8 hex of md5(account id)>`, the original handoff's default bucket name (SPEC §6). */
export function createDefaultBucketName(stagedResourceGroup: string, accountId: string): string {
  const digest = createHash('md5').update(accountId).digest('hex');
  return `handoff-${stagedResourceGroup}-${digest.slice(-8)}`;
}

/** The account id names are built with before STS has said which account it is: 12 digits, like every account id. */
const STAND_IN_ACCOUNT_ID = '000000000000';

/**
 * The names of a task before the account is known, for the checks that run before the first AWS call: each name has
 * the length and characters it will have (an account id is always 12 digits, the default bucket's md5 suffix always 8
 * hex digits, shown as `xxxxxxxx`), so every length and character rule is checked as it will be. Not for AWS calls.
 */
export function createDeployNamesBeforeAccount(input: Omit<DeployNamesInput, 'accountId'>): DeployNames {
  return createDeployNames({ ...input, accountId: STAND_IN_ACCOUNT_ID }, { accountKnown: false });
}

/**
 * Builds and checks every AWS name of one deploy task. When names break AWS rules it throws one UserError led by the
 * worst problem (so one fix is enough), with every problem as a diagnostic.
 */
export function createDeployNames(input: DeployNamesInput, options: { accountKnown?: boolean } = {}): DeployNames {
  const accountKnown = options.accountKnown !== false;
  checkNamePart(input.stage, 'stage', '-s/--stage');
  checkNamePart(input.resourceGroup, 'resource group', 'deploy.resource_group');
  checkNamePart(input.task, 'task', 'deploy.task');
  if (RESERVED_TASK_NAMES.has(input.task.toLowerCase())) {
    throw nameError(
      { message: `deploy.task "${input.task}" is reserved: its stack would clash with the resource group's ${input.task.toLowerCase()} stack`, path: 'deploy.task', fix: 'choose another deploy.task', over: 0 },
      [],
    );
  }
  checkAccountId(input.accountId, 'AWS account id');
  if (!/^[a-z]{2}(-[a-z0-9]+)+-\d+$/.test(input.region)) {
    throw new UserError(`"${input.region}" is not an AWS region name`, { fix: 'set the region, e.g. AWS_REGION=us-east-1, or the profile\'s region' });
  }

  const problems: NameProblem[] = [];
  const check = (name: string, rule: NameRule, blame: Blame): string => {
    const problem = findNameProblem(name, rule, blame);
    if (problem) problems.push(problem);
    return name;
  };

  const rg = createStagedResourceGroup(input.resourceGroup, input.stage);
  const task = input.task;
  const partition = findPartition(input.region);
  const regionCode = createRegionCode(input.region);
  const rgText = input.stage === 'prod' ? 'deploy.resource_group' : `deploy.resource_group (with its "${input.stage}-" stage prefix)`;
  const rgBlame: Blame = { inputs: rgText, path: 'deploy.resource_group' };
  const taskBlame: Blame = { inputs: `${rgText} or deploy.task`, path: 'deploy.task' };
  const prefix = `handoff-${rg}`;

  const bucket = input.bucket ?? (accountKnown ? createDefaultBucketName(rg, input.accountId) : `handoff-${rg}-xxxxxxxx`);
  // An uppercase stage (-s QA) is what breaks a lowercase resource group's default bucket name: blame the stage.
  const stageUppercase = input.stage !== 'prod' && /[A-Z]/.test(input.stage) && !/[A-Z]/.test(input.resourceGroup);
  const bucketBlame: Blame =
    input.bucket !== undefined
      ? { inputs: 'deploy.bucket', path: 'deploy.bucket' }
      : stageUppercase
        ? { inputs: '-s/--stage', path: '-s/--stage', fix: `use a lowercase stage (-s ${input.stage.toLowerCase()}): it is part of the default bucket name; or set deploy.bucket` }
        : { inputs: rgText, path: 'deploy.resource_group', fix: `use a shorter, lowercase deploy.resource_group, or set deploy.bucket` };
  check(bucket, BUCKET_RULE, bucketBlame);
  const bucketProblem = findBucketProblem(bucket, bucketBlame);
  if (bucketProblem) problems.push(bucketProblem);

  const { ssmResourceGroupPath, ssmTaskPath, taskParameter, resourceGroupParameter } = createSsmParameterNames(input);
  const resourcesStack = check(`${prefix}-resources`, STACK_RULE, rgBlame);
  // ECR repositories are lowercase only: a defaulted name is lowercased, an explicit one must already be valid.
  const ecrRepository = check(
    input.containerImage ?? task.toLowerCase(),
    ECR_RULE,
    input.containerImage === undefined
      ? { inputs: 'deploy.task', path: 'deploy.task', fix: 'set deploy.container_image to a valid ECR repository name (deploy.task is used when it is not set)' }
      : { inputs: 'deploy.container_image', path: 'deploy.container_image' },
  );
  const ecrDomain = input.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';

  // Role names are global to the account: the region code keeps a resource group's roles in two regions apart.
  const rolePrefix = `${prefix}-${regionCode}`;
  const rgRoleBlame: Blame = { inputs: `${rgText} (with the region code "${regionCode}")`, path: 'deploy.resource_group' };
  const taskRoleBlame: Blame = { inputs: `${rgText} or deploy.task (with the region code "${regionCode}")`, path: 'deploy.task' };
  const cluster = input.cluster !== undefined ? parseClusterReference(input.cluster, { ...input, accountKnown }) : undefined;
  const clusterName = cluster?.name ?? check(prefix, CLUSTER_RULE, rgBlame);

  const names: DeployNames = {
    stage: input.stage,
    partition,
    regionCode,
    prefix,
    bareResourceGroup: input.resourceGroup,
    resourceGroup: rg,
    task,
    accountId: input.accountId,
    region: input.region,
    bucket,
    bucketNamed: input.bucket !== undefined,
    bucketStack: check(`${prefix}-bucket`, STACK_RULE, rgBlame),
    resourcesStack,
    taskStack: check(`${prefix}-${task}`, STACK_RULE, taskBlame),
    cluster: clusterName,
    clusterArn: cluster?.arn ?? `arn:${partition}:ecs:${input.region}:${input.accountId}:cluster/${clusterName}`,
    ownCluster: cluster === undefined,
    taskDefinitionFamily: check(`${prefix}-${task}`, FAMILY_RULE, taskBlame),
    containerName: check(task, CONTAINER_RULE, { inputs: 'deploy.task', path: 'deploy.task' }),
    logGroup: check(`/handoff/${rg}/${task}`, LOG_GROUP_RULE, taskBlame),
    // awslogs streams are `<prefix>/<container>/<ecs task id>`; a fixed prefix keeps stream names predictable.
    logStreamPrefix: 'handoff',
    metricNamespace: check(`handoff/${rg}/${task}`, NAMESPACE_RULE, taskBlame),
    rolePath: check(`/handoff/${rg}/`, ROLE_PATH_RULE, rgBlame),
    // Short suffixes: IAM role names have only 64 characters for the resource group, the region and what the role is.
    executionRole: check(`${rolePrefix}-exec`, ROLE_RULE, rgRoleBlame),
    runnerRole: check(`${rolePrefix}-runner`, ROLE_RULE, rgRoleBlame),
    schedulerRole: check(`${rolePrefix}-sched`, ROLE_RULE, rgRoleBlame),
    taskRole: check(`${rolePrefix}-${task}-task`, ROLE_RULE, taskRoleBlame),
    networkName: prefix,
    stateMachine: check(`${prefix}-${task}`, STATE_MACHINE_RULE, taskBlame),
    scheduleGroup: check(`${prefix}-${task}`, SCHEDULE_GROUP_RULE, taskBlame),
    alarmTopic: check(`${prefix}-${task}-alarms`, TOPIC_RULE, taskBlame),
    executionsFailedAlarm: check(`${prefix}-${task}-executions-failed`, ALARM_RULE, taskBlame),
    executionsTimedOutAlarm: check(`${prefix}-${task}-executions-timed-out`, ALARM_RULE, taskBlame),
    taskFailedAlarm: check(`${prefix}-${task}-task-failed`, ALARM_RULE, taskBlame),
    taskTimedOutAlarm: check(`${prefix}-${task}-task-timed-out`, ALARM_RULE, taskBlame),
    taskStoppedRule: check(`${prefix}-${task}-stopped`, EVENT_RULE_RULE, taskBlame),
    ecrRepository,
    permissionsBoundaryArn: `arn:${partition}:iam::${input.accountId}:policy${PERMISSIONS_BOUNDARY_PATH}${PERMISSIONS_BOUNDARY_NAME}`,
    ssmTaskPath,
    ssmResourceGroupPath,
    exports: {
      clusterArn: `${resourcesStack}-ClusterArn`,
      subnets: `${resourcesStack}-Subnets`,
      securityGroups: `${resourcesStack}-SecurityGroups`,
      executionRoleArn: `${resourcesStack}-ExecutionRoleArn`,
      runnerRoleArn: `${resourcesStack}-RunnerRoleArn`,
      schedulerRoleArn: `${resourcesStack}-SchedulerRoleArn`,
      assignPublicIp: `${resourcesStack}-AssignPublicIp`,
    },
    s3: createS3Layout(task),
    taskParameter,
    resourceGroupParameter,
    scheduleName: (targetId) => {
      const name = `target-${targetId}`;
      throwIfProblem(findNameProblem(name, SCHEDULE_RULE, { inputs: `schedules target_id "${targetId}"`, path: 'schedules[].target_id' }));
      return name;
    },
    ecrImageUri: (version) => {
      // Image tags: up to 128 characters of `[a-zA-Z0-9_][a-zA-Z0-9_.-]*` (Docker/ECR tag rules).
      if (!/^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127}$/.test(version)) {
        throwIfProblem({
          message: `image version "${version}" is not a valid image tag (up to 128 letters, digits, _ . -, not starting with . or -)`,
          path: 'deploy.image_version',
          fix: 'use a tag such as 0.1',
          over: 0,
        });
      }
      return `${input.accountId}.dkr.ecr.${input.region}.${ecrDomain}/${ecrRepository}:${version}`;
    },
  };

  if (problems.length > 0) {
    // The longest overrun leads: shortening by that much fixes every length problem at once.
    const sorted = [...problems].sort((a, b) => b.over - a.over);
    throw nameError(sorted[0]!, sorted);
  }
  return names;
}

/**
 * The SSM names of a task's secrets, each key checked against SSM's rules (characters, the ARN's length, levels). Needs
 * no AWS call: the account only adds its 12 digits to the ARN, so `config validate` checks keys with a stand-in one.
 */
export function createSsmParameterNames(input: Pick<DeployNamesInput, 'resourceGroup' | 'task' | 'stage' | 'region' | 'accountId'>): Pick<
  DeployNames,
  'ssmTaskPath' | 'ssmResourceGroupPath' | 'taskParameter' | 'resourceGroupParameter'
> {
  const ssmResourceGroupPath = `/handoff/${createStagedResourceGroup(input.resourceGroup, input.stage)}`;
  const ssmTaskPath = `${ssmResourceGroupPath}/${input.task}`;
  return {
    ssmTaskPath,
    ssmResourceGroupPath,
    taskParameter: (key) => createParameterName(`${ssmTaskPath}/`, key, input),
    resourceGroupParameter: (key) => createParameterName(`${ssmResourceGroupPath}/`, key, input),
  };
}

function createParameterName(path: string, key: string, input: Pick<DeployNamesInput, 'region' | 'accountId'>): string {
  throwIfProblem(findNameProblem(key, SSM_KEY_RULE, { inputs: `secret key "${key}"`, path: 'key' }));
  const name = path + key;
  // China and GovCloud regions have ARNs of their own partition (`aws-cn`, `aws-us-gov`), longer by its name.
  const arn = `arn:${findPartition(input.region)}:ssm:${input.region}:${input.accountId}:parameter${name}`;
  if (arn.length > SSM_MAX_ARN) {
    const over = arn.length - SSM_MAX_ARN;
    throwIfProblem({ message: `SSM parameter ${name} is too long: its ARN has ${arn.length} characters; SSM allows ${SSM_MAX_ARN}`, path: 'key', fix: `shorten the secret key by ${over} characters`, over });
  }
  const levels = name.split('/').length - 1;
  if (levels > SSM_MAX_LEVELS) {
    throwIfProblem({ message: `SSM parameter ${name} has ${levels} levels; SSM allows ${SSM_MAX_LEVELS}`, path: 'key', fix: 'use fewer "/" in the key', over: 0 });
  }
  return name;
}

/** S3 rules beyond length and characters: no adjacent dots, no dot next to a hyphen, not an IP, reserved affixes. */
function findBucketProblem(bucket: string, blame: Blame): NameProblem | undefined {
  const problems: string[] = [];
  if (/\.\./.test(bucket)) problems.push('has two adjacent dots');
  if (/\.-|-\./.test(bucket)) problems.push('has a dot next to a hyphen');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) problems.push('looks like an IP address');
  for (const reserved of ['xn--', 'sthree-', 'amzn-s3-demo-']) if (bucket.startsWith(reserved)) problems.push(`starts with the reserved prefix "${reserved}"`);
  for (const reserved of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) if (bucket.endsWith(reserved)) problems.push(`ends with the reserved suffix "${reserved}"`);
  if (problems.length === 0) return undefined;
  return { message: `S3 bucket name "${bucket}" ${problems.join(', ')}`, path: blame.path, fix: blame.fix ?? `change ${blame.inputs}`, over: 0 };
}

function checkNamePart(value: string, what: string, path: string): void {
  if (!NAME_PART.test(value)) {
    const suggestion = value.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
    throwIfProblem({
      message: `${what} "${value}" can only contain letters, digits and hyphens (not at the start or end), because it becomes part of the names of buckets, stacks and secret paths`,
      path,
      fix: suggestion ? `rename the ${what}, e.g. "${suggestion}"` : `rename the ${what}`,
      over: 0,
    });
  }
}

function checkAccountId(accountId: string, what: string): void {
  if (!/^\d{12}$/.test(accountId)) {
    throw new UserError(`${what} "${accountId}" is not a 12-digit AWS account id`, { fix: 'check the AWS credentials/profile, or pass the 12-digit account id' });
  }
}

/** Which user input a name is made from: named in the fix, and its key path for the diagnostic. */
interface Blame {
  inputs: string;
  path: string;
  /** Replaces the generated fix when the generic "shorten X" advice is not the right one. */
  fix?: string;
}

interface NameProblem {
  message: string;
  path: string;
  fix: string;
  /** Characters over the limit (0 for character problems), used to lead with the worst one. */
  over: number;
}

/** Says which name broke which AWS rule, by how much, and what input to change; undefined when the name is fine. */
function findNameProblem(name: string, rule: NameRule, blame: Blame): NameProblem | undefined {
  if (name.length > rule.max) {
    const over = name.length - rule.max;
    return {
      message: `${rule.what} "${name}" is ${name.length} characters; AWS allows at most ${rule.max}`,
      path: blame.path,
      fix: blame.fix ?? `shorten ${blame.inputs} by at least ${plural(over, 'character')}`,
      over,
    };
  }
  if (name.length < rule.min) {
    return { message: `${rule.what} "${name}" is ${name.length} characters; AWS needs at least ${rule.min}`, path: blame.path, fix: blame.fix ?? `lengthen ${blame.inputs}`, over: 0 };
  }
  if (!rule.pattern.test(name)) {
    return { message: `${rule.what} "${name}" is invalid: AWS allows ${rule.allowed}`, path: blame.path, fix: blame.fix ?? `change ${blame.inputs}`, over: 0 };
  }
  return undefined;
}

function throwIfProblem(problem: NameProblem | undefined): void {
  if (problem) throw nameError(problem, [problem]);
}

function nameError(lead: NameProblem, all: NameProblem[]): UserError {
  const diagnostics: Diagnostic[] = (all.length > 0 ? all : [lead]).map((p) => ({ severity: 'error', message: p.message, path: p.path, hint: p.fix }));
  return new UserError(lead.message, { fix: lead.fix, diagnostics });
}
