// What a stack needs from AWS before it can be built: the image, a log group kept from before, the boundary, roles' tags.
import { UserError, type Diagnostic } from '../../../errors.js';
import type { Deploy, Project } from '../../../project/types.js';
import type { AwsProvider } from '../aws-provider.js';
import type { CloudWatchLogsApi } from '../sdk/cloudwatch-logs.js';
import { validateLogRetentionDays } from '../stacks/logs.js';
import { PASSABLE_ROLE_TAG } from '../stacks/roles.js';
import { createTagMap, validateUserTags } from '../stacks/tags.js';
import type { Template } from '../stacks/template.js';
import { createBoundaryDesired, createTaskDesired } from './desired-stacks.js';
import { locateDeployErrors } from '../../deploy/locate-deploy-error.js';
import type { DesiredStack } from './plan-deploy.js';
import { readTaskFiles, type TaskFiles } from './read-task-files.js';
import { resolveTaskImage, type ResolvedImage } from './resolve-image.js';

export interface PreparedTaskStack {
  desired: DesiredStack;
  image: ResolvedImage;
  /** The files deploy names, read and checked (an export builds more templates from them). */
  files: TaskFiles;
  /** Allowed but worth saying: broad task policies, roles of your own, an image not in ECR yet. */
  warnings: string[];
}

/**
 * The task stack as it should be. Every value is checked first, with the image a placeholder, so a bad Fargate size
 * or task definition file fails before ECR, CloudFormation or IAM is asked anything; errors point into project.yml.
 */
export async function prepareTaskStack(provider: AwsProvider, project: Project, options: { imageVersion?: string; logGroup?: 'stack' } = {}): Promise<PreparedTaskStack> {
  return locateDeployErrors(project.file, async () => {
    const { names } = provider;
    const files = await readTaskFiles(project.dir, project.deploy, names);
    const input = { taskPolicy: files.taskPolicy, taskDefinition: files.taskDefinition };
    createTaskDesired(names, project.deploy, { imageUri: names.ecrImageUri('0'), ...input });
    const warnings = [...files.warnings, ...(await checkPassableRoles(provider, project))];
    const image = await resolveTaskImage({ project, names, config: provider.clientConfig, version: options.imageVersion });
    if (image.inRegistry === false) warnings.push(`the image ${image.uri} is not in ECR yet: push it (handoff container push) before the task runs`);
    // An export describes the task as a whole, log group included; a deploy adopts a group an earlier stack left.
    const logGroup = options.logGroup ?? (await decideLogGroup(provider));
    return { desired: createTaskDesired(names, project.deploy, { imageUri: image.uri, ...input, logGroup }), image, files, warnings };
  });
}

/**
 * Whether the task stack owns its log group (`stack`) or uses one of the same name kept by an earlier, deleted stack
 * (`kept`): a deployed stack keeps what it has; a new one adopts a kept group rather than fail to create it again.
 */
export async function decideLogGroup(provider: AwsProvider): Promise<'stack' | 'kept'> {
  const { names, cloudFormation } = provider;
  const stack = await cloudFormation.describeStack(names.taskStack);
  if (stack && stack.status !== 'DELETE_COMPLETE') {
    const body = await cloudFormation.getTemplate(stack.id || names.taskStack);
    return body !== undefined && !ownsLogGroup(body) ? 'kept' : 'stack';
  }
  const logs = await openLogs(provider);
  try {
    return (await logs.describeLogGroup(names.logGroup)) ? 'kept' : 'stack';
  } finally {
    logs.destroy();
  }
}

/**
 * After a task stack that uses a kept log group is applied: the group lives outside the stack, so its retention and
 * tags are set through the Logs API, as the stack sets them on a group of its own.
 */
export async function applyKeptLogGroup(provider: AwsProvider, taskTemplate: Template, deploy: Deploy): Promise<void> {
  if (taskTemplate.Resources.LogGroup) return;
  const logs = await openLogs(provider);
  try {
    await logs.updateLogGroup(provider.names.logGroup, {
      retentionDays: validateLogRetentionDays(deploy.log_retention_days),
      tags: createTagMap(provider.names, validateUserTags(deploy.tags), 'task'),
    });
  } finally {
    logs.destroy();
  }
}

/**
 * The boundary stack when the account has no handoff permissions boundary yet (undefined when it has one). The policy
 * is global, so a boundary made from another region counts; a principal that may not read IAM is not stopped here
 * (CloudFormation will say whether the roles can be made).
 */
export async function planBoundary(provider: AwsProvider): Promise<DesiredStack | undefined> {
  const { createIamApi } = await import('../sdk/iam.js');
  const iam = createIamApi(provider.clientConfig);
  try {
    const found = await iam.getPolicy(provider.names.permissionsBoundaryArn);
    return found.kind === 'missing' ? createBoundaryDesired() : undefined;
  } finally {
    iam.destroy();
  }
}

/**
 * Roles named in `deploy` are passed to ECS by the group's runner and scheduler roles, whose permissions boundary
 * allows that only for roles tagged `handoff:passable=true` (so an account's admin decides which of its roles handoff
 * may hand out). A role without the tag would fail every run, so it fails the deploy instead, at its key.
 */
export async function checkPassableRoles(provider: AwsProvider, project: Project): Promise<string[]> {
  const roles = (['execution_role_arn', 'task_role_arn'] as const).flatMap((key) => (project.deploy[key] ? [{ key, arn: project.deploy[key]! }] : []));
  if (roles.length === 0) return [];
  const { createIamApi } = await import('../sdk/iam.js');
  const iam = createIamApi(provider.clientConfig);
  const warnings: string[] = [];
  const problems: Diagnostic[] = [];
  try {
    for (const { key, arn } of roles) {
      const tags = await iam.getRoleTags(arn);
      const command = `aws iam tag-role --role-name ${arn.slice(arn.lastIndexOf('/') + 1)} --tags Key=${PASSABLE_ROLE_TAG},Value=true`;
      if (tags.kind === 'denied') warnings.push(`deploy.${key}: cannot read ${arn} to check its ${PASSABLE_ROLE_TAG} tag (iam:GetRole denied); runs fail unless it has the tag`);
      else if (tags.kind === 'missing') problems.push({ severity: 'error', path: `deploy.${key}`, message: `deploy.${key} names ${arn}, which does not exist`, hint: 'create the role, or remove the key to let handoff make one' });
      else if (tags.value[PASSABLE_ROLE_TAG] !== 'true') {
        problems.push({ severity: 'error', path: `deploy.${key}`, message: `deploy.${key} names ${arn}, which handoff's roles may not pass to ECS: it lacks the tag ${PASSABLE_ROLE_TAG}=true`, hint: `an administrator tags it: ${command}` });
      }
    }
  } finally {
    iam.destroy();
  }
  if (problems.length > 0) throw new UserError(problems[0]!.message, { fix: problems[0]!.hint, diagnostics: problems });
  return warnings;
}

function ownsLogGroup(templateBody: string): boolean {
  try {
    return (JSON.parse(templateBody) as Template).Resources?.LogGroup?.Type === 'AWS::Logs::LogGroup';
  } catch {
    return true;
  }
}

async function openLogs(provider: AwsProvider): Promise<CloudWatchLogsApi> {
  const { createCloudWatchLogsApi } = await import('../sdk/cloudwatch-logs.js');
  return createCloudWatchLogsApi(provider.clientConfig);
}
