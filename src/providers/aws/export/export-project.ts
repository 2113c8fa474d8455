// `cloud export --format cloudformation|terraform -o DIR`: the infrastructure of `cloud deploy` as files a team can own.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { UserError } from '../../../errors.js';
import type { Deploy, Project } from '../../../project/types.js';
import { parseSchedule } from '../../../schedule/parse-schedule.js';
import type { AwsProvider } from '../aws-provider.js';
import { createPlaceholderScheduleTarget } from '../deploy/check-deploy-values.js';
import { createBoundaryDesired, createBucketDesired, createResourcesDesired, createTaskDesired } from '../deploy/desired-stacks.js';
import { locateDeployErrors } from '../../deploy/locate-deploy-error.js';
import type { DesiredStack } from '../deploy/plan-deploy.js';
import { prepareTaskStack, type PreparedTaskStack } from '../deploy/prepare-stacks.js';
import { createDeployNames, type DeployNames } from '../names.js';
import { createScheduleRequest, type ScheduleRequest } from '../stacks/schedule-request.js';
import { importValue, ref, split, type Resource, type Template } from '../stacks/template.js';
import { writeExportFiles } from '../../deploy/export-files.js';
import { BUCKET_PLACEHOLDER, createTerraformModule, IMAGE_PLACEHOLDER, type TerraformModuleInput } from './terraform-export.js';

export type ExportFormat = 'cloudformation' | 'terraform';

export interface ExportRequest {
  provider: AwsProvider;
  project: Project;
  format: ExportFormat;
  outDir: string;
  imageVersion?: string;
  onNotice?: (message: string) => void;
}

export interface ExportResult {
  format: ExportFormat;
  dir: string;
  files: string[];
  image: string;
}

/**
 * A schedule's logical id (letters and digits only, like every logical id): `target-1` → ScheduleTarget1,
 * `target-daily-run` → ScheduleTargetDailyRun. Names of digits, or of lowercase words joined by single hyphens, read
 * back from that form without doubt; any other (`nightly_load`, `Daily`, `a.b`, `1-2`) would meet another name in it
 * (`nightly-load`, `daily`, `a-b`, `12`), so it also gets 8 hex digits of its exact name: two schedules that deploy
 * makes stay two resources, and an id depends on its own name only, never on the other schedules of the project.
 */
export function toScheduleLogicalId(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  const plain = /^target-([0-9]+|[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*)$/.test(name);
  return plain ? `Schedule${words}` : `Schedule${words}${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

/**
 * The task stack with the schedules in it, for teams that deploy with CloudFormation themselves (handoff keeps
 * schedules out of its stacks so `cloud schedule` can change them without a stack update).
 */
export function addSchedulesToTaskTemplate(names: DeployNames, task: Template, schedules: ScheduleRequest[], deploy: Pick<Deploy, 'platform_config'> = {}): Template {
  if (schedules.length === 0) return task;
  const resources: Record<string, Resource> = { ...task.Resources };
  resources.ScheduleGroup = { Type: 'AWS::Scheduler::ScheduleGroup', Properties: { Name: names.scheduleGroup } };
  const roleArn = deploy.platform_config?.role_arn ?? importValue(names.exports.schedulerRoleArn);
  const scheduleIds = new Map<string, string>();
  schedules.forEach((s) => {
    const ecs = s.Target.EcsParameters;
    const target: Record<string, unknown> = ecs
      ? {
          Arn: importValue(names.exports.clusterArn),
          RoleArn: roleArn,
          Input: s.Target.Input,
          EcsParameters: {
            TaskDefinitionArn: ref('TaskDefinition'),
            TaskCount: 1,
            ...(ecs.LaunchType ? { LaunchType: ecs.LaunchType } : {}),
            ...(ecs.CapacityProviderStrategy ? { CapacityProviderStrategy: ecs.CapacityProviderStrategy.map((c) => ({ CapacityProvider: c.capacityProvider, Weight: c.weight })) } : {}),
            PlatformVersion: ecs.PlatformVersion,
            NetworkConfiguration: {
              AwsvpcConfiguration: {
                Subnets: split(',', importValue(names.exports.subnets)),
                SecurityGroups: split(',', importValue(names.exports.securityGroups)),
                AssignPublicIp: importValue(names.exports.assignPublicIp),
              },
            },
            PropagateTags: ecs.PropagateTags,
            EnableECSManagedTags: ecs.EnableECSManagedTags,
          },
        }
      : { Arn: ref('StateMachine'), RoleArn: roleArn, Input: s.Target.Input };
    const properties: Record<string, unknown> = {
      Name: s.Name,
      GroupName: ref('ScheduleGroup'),
      ScheduleExpression: s.ScheduleExpression,
      State: s.State,
      FlexibleTimeWindow: s.FlexibleTimeWindow,
      Target: target,
    };
    if (s.ScheduleExpressionTimezone) properties.ScheduleExpressionTimezone = s.ScheduleExpressionTimezone;
    if (s.Description) properties.Description = s.Description;
    const id = toScheduleLogicalId(s.Name);
    const other = scheduleIds.get(id);
    if (other !== undefined) {
      // Only when 8 hex digits of two different names agree (see toScheduleLogicalId).
      throw new UserError(`schedules ${other} and ${s.Name} would get the same CloudFormation logical id ${id}`, { fix: 'rename the target_id of one of them' });
    }
    scheduleIds.set(id, s.Name);
    resources[id] = { Type: 'AWS::Scheduler::Schedule', Properties: properties };
  });
  return { ...task, Description: `${task.Description}, schedules`, Resources: resources };
}

/** One shell word: `'…'`, with each `'` written as `'"'"'`. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

function describeCloudFormationDeploy(names: DeployNames, stacks: { file: string; stack: DesiredStack }[]): string {
  const lines = stacks.map(({ file, stack }) => {
    const caps = stack.capabilities.length ? ` --capabilities ${stack.capabilities.join(' ')}` : '';
    // Tag values may hold spaces (AWS allows them): each Key=Value is one shell word.
    const tags = Object.entries(stack.tags)
      .map(([k, v]) => shellQuote(`${k}=${v}`))
      .join(' ');
    return `aws cloudformation deploy --stack-name ${stack.name} --template-file ${file}${caps} --tags ${tags}`;
  });
  return `# handoff ${names.resourceGroup}/${names.task} as CloudFormation

Generated by \`handoff cloud export --format cloudformation\`: the stacks \`handoff cloud deploy\` makes, in the order
they depend on each other (the task stack imports the resources stack's exports). The task stack also holds the
schedules (handoff itself manages those outside the stack).

\`\`\`sh
${lines.join('\n')}
\`\`\`

The project itself (project.yml, files/, secrets) goes to the bucket with \`handoff project push\`, the image to ECR with
\`handoff container push\`. Use these files or \`handoff cloud deploy\`, not both: both manage the same stack names.
`;
}

function describeTerraformModule(names: DeployNames, project: Project): string {
  return `# handoff ${names.resourceGroup}/${names.task} as a Terraform module

Generated by \`handoff cloud export --format terraform\`: the resources of the stacks \`handoff cloud deploy\` makes
(permissions boundary, bucket, network, cluster, roles, log group, metric filters, task definition, runner, alarms,
schedules) as a module of the hashicorp/aws provider.

| file | holds |
|---|---|
| \`variables.tf\` | the inputs, each defaulting to this project's value: \`region\`, \`image\`, \`bucket\`, \`subnets\`, \`security_groups\`, \`assign_public_ip\`, \`cluster_arn\`, \`execution_role_arn\`, \`permissions_boundary_arn\`, \`schedules\`, \`tags\` |
| \`main.tf\` | the resources; the network, cluster, execution role and boundary are made only when their variable is null |
| \`outputs.tf\` | what runs and schedules use: cluster, subnets, task definition, roles, log group, alarm topic, schedules |
| \`versions.tf\` | Terraform and provider versions; the provider's region is \`var.region\` and its default tags \`var.tags\` |

Use it as it is (the folder is a root module), or from a configuration of your own:

\`\`\`hcl
module "${names.task}" {
  source = "./${path.basename(project.dir)}-infra"   # this folder
  region = "eu-west-1"
  bucket = "${names.bucket}-euw1"                     # bucket names are global: one per region
  subnets         = ["subnet-0123456789abcdef0"]      # existing network (with security_groups), or leave both out
  security_groups = ["sg-0123456789abcdef0"]
  schedules = {
    "1" = { expression = "cron(0 6 * * ? *)", timezone = "Europe/Paris", envs = { __VARS = "start=$(date -I -d yesterday)" } }
  }
}
\`\`\`

\`terraform init\` downloads the AWS provider from the Terraform registry. Offline, point it at a local copy of the
provider: \`terraform init -plugin-dir=/opt/tf-plugins\` (a folder laid out as \`registry.terraform.io/hashicorp/aws/<version>/<os_arch>/\`).
Then \`terraform validate\`, \`terraform plan\` and \`terraform apply\`.

The bucket has \`prevent_destroy\` and the log group \`skip_destroy\`, like the stacks' DeletionPolicy Retain. The
permissions boundary is one policy per account: where handoff (or another copy of this module) made it already, set
\`permissions_boundary_arn\` to it. The project itself (project.yml, files/, secrets) goes to the bucket with
\`handoff project push\`, the image to ECR with \`handoff container push\`. Use this module or \`handoff cloud deploy\`
for a task, not both: they manage the same names.
`;
}

/**
 * The templates of the Terraform module: built like the deploy's, with placeholders for what becomes a variable (the
 * image, the bucket), with the network, cluster and execution role handoff makes (the module makes them unless their
 * variable is set) and without deploy.tags (the module's provider puts var.tags on everything).
 */
export function createModuleInput(names: DeployNames, project: Project, task: Pick<PreparedTaskStack, 'files'> & { image: string }): TerraformModuleInput {
  const moduleNames = createDeployNames({
    resourceGroup: names.bareResourceGroup,
    task: names.task,
    stage: names.stage,
    accountId: names.accountId,
    region: names.region,
    bucket: BUCKET_PLACEHOLDER,
    containerImage: names.ecrRepository,
  });
  const { subnets, security_groups, assign_public_ip, cluster, execution_role_arn, tags, ...rest } = project.deploy;
  const moduleDeploy: Deploy = rest;
  return {
    names,
    moduleNames,
    image: task.image,
    deploy: project.deploy,
    schedules: project.schedules,
    templates: {
      boundary: createBoundaryDesired().template,
      bucket: createBucketDesired(moduleNames).template,
      resources: createResourcesDesired(moduleNames, moduleDeploy).template,
      task: createTaskDesired(moduleNames, moduleDeploy, { imageUri: IMAGE_PLACEHOLDER, taskPolicy: task.files.taskPolicy, taskDefinition: task.files.taskDefinition, logGroup: 'stack' }).template,
    },
  };
}

export async function exportProject(request: ExportRequest): Promise<ExportResult> {
  const { provider, project } = request;
  const { names } = provider;
  // Every value is checked before anything is written, as for a deploy (errors point into project.yml).
  const task = await prepareTaskStack(provider, project, { imageVersion: request.imageVersion, logGroup: 'stack' });
  task.warnings.forEach((w) => request.onNotice?.(w));
  const image = task.image;
  const { bucket, resources, schedules } = await locateDeployErrors(project.file, async () => ({
    bucket: createBucketDesired(names),
    resources: createResourcesDesired(names, project.deploy),
    schedules: project.schedules.map((s) => createScheduleRequest(names, s, { ...createPlaceholderScheduleTarget(names, project.deploy), expression: parseSchedule(s.cron, s.timezone).awsExpression })),
  }));
  const boundary = createBoundaryDesired();

  const dir = path.resolve(request.outDir);
  // Every file is made in memory first, so the folder is checked against the whole list before anything is written.
  const out: [string, string][] = [];
  if (request.format === 'cloudformation') {
    const stacks = [
      { file: 'boundary.template.json', stack: boundary },
      { file: 'bucket.template.json', stack: bucket },
      { file: 'resources.template.json', stack: resources },
      { file: 'task.template.json', stack: { ...task.desired, template: addSchedulesToTaskTemplate(names, task.desired.template, schedules, project.deploy) } },
    ];
    for (const { file, stack } of stacks) out.push([file, `${JSON.stringify(stack.template, null, 2)}\n`]);
    out.push(['README.md', describeCloudFormationDeploy(names, stacks)]);
  } else {
    const files = createTerraformModule(createModuleInput(names, project, { files: task.files, image: task.image.uri }));
    out.push(...Object.entries(files));
    out.push(['README.md', describeTerraformModule(names, project)]);
  }
  const written = await writeExportFiles(dir, out);
  return { format: request.format, dir, files: written, image: image.uri };
}
