// `cloud export --format terraform`: the stacks as a reusable Terraform module (variables, locals, resources, outputs).
import type { Deploy, Schedule } from '../../../project/types.js';
import { parseSchedule } from '../../../schedule/parse-schedule.js';
import { checkTimeZone } from '../../../schedule/local-time.js';
import { HclExpr, HclTemplate, makeBlock, makeExpr, renderFile, type HclBlock, type HclValue } from '../../deploy/hcl.js';
import { OVERRIDES_ENV, TRIGGER_ENV } from '../../deploy/run-environment.js';
import type { DeployNames } from '../names.js';
import { resolveCapacity } from '../stacks/capacity.js';
import { resolveRunnerSettings } from '../stacks/state-machine.js';
import type { Template } from '../stacks/template.js';
import { TF_TYPE, toSnakeCase, translateResource, Translator, type CfnResource } from './terraform-translate.js';

/** Stand-ins the templates of the module are built with; the translation turns them into `var.image` and `var.bucket`. */
export const IMAGE_PLACEHOLDER = 'handoff-module-image';
export const BUCKET_PLACEHOLDER = 'handoff-module-bucket-placeholder';

export interface TerraformModuleInput {
  /** The project's own names: defaults of the variables (region, bucket). */
  names: DeployNames;
  /** The names the templates were built with: the bucket placeholder, handoff's own cluster. */
  moduleNames: DeployNames;
  /** The image the project deploys now: the default of `var.image`. */
  image: string;
  deploy: Deploy;
  /**
   * Built for the module: the network the resources stack makes (for static_ip, with its NAT gateway), handoff's own
   * cluster and execution role, no deploy.tags (they come from `var.tags` through the provider's default_tags), the
   * image placeholder, and a log group of the task's own.
   */
  templates: { boundary: Template; bucket: Template; resources: Template; task: Template };
  schedules: Schedule[];
}

const NETWORK_TYPES = new Set(['AWS::EC2::VPC', 'AWS::EC2::InternetGateway', 'AWS::EC2::VPCGatewayAttachment', 'AWS::EC2::RouteTable', 'AWS::EC2::Route', 'AWS::EC2::Subnet', 'AWS::EC2::SubnetRouteTableAssociation', 'AWS::EC2::SecurityGroup', 'AWS::EC2::EIP', 'AWS::EC2::NatGateway']);

/** The region code of IAM role names (names.ts createRegionCode), computed by Terraform from `var.region`. */
const REGION_WORDS = { north: 'n', south: 's', east: 'e', west: 'w', central: 'c', northeast: 'ne', northwest: 'nw', southeast: 'se', southwest: 'sw', gov: 'gov', iso: 'iso', isob: 'isob' };

const expr = makeExpr;

/** The module's files: versions.tf, variables.tf, main.tf and outputs.tf. */
export function createTerraformModule(input: TerraformModuleInput): Record<string, string> {
  const { names, moduleNames: m, templates } = input;
  const t = new Translator();
  const conditional: [Template, (id: string, type: string) => string | undefined][] = [
    [templates.boundary, () => 'var.permissions_boundary_arn == null ? 1 : 0'],
    [templates.bucket, () => undefined],
    [
      templates.resources,
      (id, type) => (NETWORK_TYPES.has(type) ? 'local.create_network ? 1 : 0' : id === 'Cluster' ? 'var.cluster_arn == null ? 1 : 0' : id === 'ExecutionRole' ? 'var.execution_role_arn == null ? 1 : 0' : undefined),
    ],
    [templates.task, () => undefined],
  ];
  for (const [template, countOf] of conditional) {
    for (const [id, resource] of Object.entries(template.Resources)) {
      const count = countOf(id, resource.Type);
      t.located.set(id, { tfType: TF_TYPE[resource.Type] ?? 'unknown', tfName: toSnakeCase(id), cfnType: resource.Type, ...(count ? { count: expr(count) } : {}) });
    }
    for (const output of Object.values(template.Outputs ?? {})) if (output.Export) t.exports.set(output.Export.Name as string, output.Value);
  }

  // What the variables may replace: the network, the cluster, the execution role and the boundary are the module's
  // only when their variable is null; every reference goes through a local that chooses.
  const e = m.exports;
  t.importOverrides.set(e.clusterArn, expr('local.cluster_arn'));
  t.importOverrides.set(e.subnets, expr('local.subnet_ids'));
  t.importOverrides.set(e.securityGroups, expr('local.security_group_ids'));
  t.importOverrides.set(e.assignPublicIp, expr('local.assign_public_ip'));
  t.importOverrides.set(e.executionRoleArn, expr('local.execution_role_arn'));
  t.refOverrides.set('Cluster', expr('local.cluster_name'));
  t.refOverrides.set('Cluster.Arn', expr('local.cluster_arn'));
  t.refOverrides.set('ExecutionRole.Arn', expr('local.execution_role_arn'));
  t.refOverrides.set('Boundary', expr('local.permissions_boundary_arn'));
  t.literals.set(IMAGE_PLACEHOLDER, expr('var.image'));
  t.literals.set(m.permissionsBoundaryArn, expr('local.permissions_boundary_arn'));
  // IAM role names carry the region's code: computed from var.region, so the module works in any region.
  for (const role of [m.executionRole, m.runnerRole, m.schedulerRole, m.taskRole]) {
    const [before, after] = role.split(`-${m.regionCode}-`);
    t.literals.set(role, new HclTemplate([`${before}-`, expr('local.region_code'), `-${after}`]));
  }
  t.substrings.push([BUCKET_PLACEHOLDER, [expr('var.bucket')]]);
  t.substrings.push([`task/${m.cluster}/`, ['task/', expr('local.cluster_name'), '/']]);

  const network = templates.resources.Outputs?.Subnets?.Value;
  const staticIp = templates.resources.Resources.StaticIp !== undefined;
  const locals = makeBlock('locals', [], {
    region_words: REGION_WORDS,
    // us-east-1 → use1, ap-southeast-2 → apse2: as handoff names roles (IAM names are global to the account).
    region_code: expr('join("", [for i, word in split("-", var.region) : i == 0 || can(tonumber(word)) ? word : lookup(local.region_words, word, word)])'),
    create_network: expr('var.subnets == null'),
    subnet_ids: expr(`local.create_network ? ${renderInline(t.value((network as { 'Fn::Join': [string, unknown] })['Fn::Join'][1]))} : var.subnets`),
    security_group_ids: expr('local.create_network ? [aws_security_group.security_group[0].id] : var.security_groups'),
    assign_public_ip: expr(`local.create_network ? "${staticIp ? 'DISABLED' : 'ENABLED'}" : (var.assign_public_ip ? "ENABLED" : "DISABLED")`),
    cluster_arn: expr('var.cluster_arn == null ? aws_ecs_cluster.cluster[0].arn : var.cluster_arn'),
    cluster_name: expr('element(split("/", local.cluster_arn), 1)'),
    execution_role_arn: expr('var.execution_role_arn == null ? aws_iam_role.execution_role[0].arn : var.execution_role_arn'),
    permissions_boundary_arn: expr('var.permissions_boundary_arn == null ? aws_iam_policy.boundary[0].arn : var.permissions_boundary_arn'),
  });

  const main: (HclBlock | { comment: string })[] = [
    {
      comment: `handoff ${names.resourceGroup}/${names.task}: the stacks of \`handoff cloud deploy\` as a Terraform module.\nGenerated by \`handoff cloud export --format terraform\`; inputs in variables.tf, results in outputs.tf, usage in README.md.`,
    },
    makeBlock('data', ['aws_region', 'current'], {}),
    makeBlock('data', ['aws_caller_identity', 'current'], {}),
    makeBlock('data', ['aws_partition', 'current'], {}),
    makeBlock('data', ['aws_availability_zones', 'available'], { state: 'available' }),
    locals,
  ];
  for (const template of [templates.boundary, templates.bucket, templates.resources, templates.task]) {
    main.push({ comment: template.Description });
    for (const [id, resource] of Object.entries(template.Resources)) main.push(...translateResource(t, id, resource as CfnResource, { logGroup: m.logGroup }));
  }
  main.push(...createSchedules(t, input));

  return {
    'versions.tf': renderFile([
      { comment: 'Terraform and the AWS provider; the provider puts var.tags on every resource that takes tags.' },
      makeBlock('terraform', [], {
        required_version: '>= 1.3',
        required_providers: makeBlock('required_providers', [], { aws: { source: 'hashicorp/aws', version: '>= 5.0' } }),
      }),
      makeBlock('provider', ['aws'], { region: expr('var.region'), default_tags: makeBlock('default_tags', [], { tags: expr('var.tags') }) }),
    ]),
    'variables.tf': renderFile(createVariables(input)),
    'main.tf': renderFile(main),
    'outputs.tf': renderFile(createOutputs(t, input)),
  };
}

/** An HCL value written inline (for a local's conditional expression). */
function renderInline(value: HclValue): string {
  if (value instanceof HclExpr) return value.text;
  if (Array.isArray(value)) return `[${value.map(renderInline).join(', ')}]`;
  return JSON.stringify(value);
}

function createVariables(input: TerraformModuleInput): HclBlock[] {
  const { names, deploy } = input;
  const existing = deploy.subnets?.length && deploy.security_groups?.length;
  const variable = (name: string, body: Record<string, HclValue | HclBlock | undefined>): HclBlock => makeBlock('variable', [name], body);
  const validation = (condition: string, message: string): HclBlock => makeBlock('validation', [], { condition: expr(condition), error_message: message });
  return [
    variable('region', {
      description: 'AWS region of every resource (deploy.region).',
      type: expr('string'),
      default: names.region,
      validation: validation('can(regex("^[a-z]{2}(-[a-z0-9]+)+-[0-9]+$", var.region))', 'The region must be a region name such as eu-west-1.'),
    }),
    variable('image', { description: 'Container image the task runs; it must run handoff (handoff container push puts it in ECR).', type: expr('string'), default: input.image }),
    variable('bucket', {
      description: 'Bucket of the project, its files, artifacts and run records (deploy.bucket). Bucket names are global: another region needs another name.',
      type: expr('string'),
      default: names.bucket,
      validation: validation('can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket))', 'The bucket name must be 3-63 lowercase letters, digits, dots and hyphens.'),
    }),
    variable('subnets', {
      description: 'Existing subnets the tasks run in (deploy.subnets), with security_groups; null: the module makes a VPC.',
      type: expr('list(string)'),
      default: existing ? deploy.subnets! : null,
    }),
    variable('security_groups', {
      description: 'Security groups of the tasks (deploy.security_groups), with subnets; null: the module makes one without ingress.',
      type: expr('list(string)'),
      default: existing ? deploy.security_groups! : null,
    }),
    variable('assign_public_ip', { description: 'Give tasks a public IP in the subnets given (deploy.assign_public_ip).', type: expr('bool'), default: deploy.assign_public_ip !== false }),
    variable('cluster_arn', {
      description: 'An existing ECS cluster (deploy.cluster); null: the module makes one with both Fargate capacity providers.',
      type: expr('string'),
      default: deploy.cluster !== undefined ? names.clusterArn : null,
      validation: validation('var.cluster_arn == null || can(regex("^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:cluster/.+$", var.cluster_arn))', 'cluster_arn must be an ECS cluster ARN.'),
    }),
    variable('execution_role_arn', {
      description: 'An existing ECS task execution role (deploy.execution_role_arn); null: the module makes one.',
      type: expr('string'),
      default: deploy.execution_role_arn ?? null,
      validation: validation('var.execution_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.execution_role_arn))', 'execution_role_arn must be an IAM role ARN.'),
    }),
    variable('permissions_boundary_arn', {
      description: 'The handoff permissions boundary when the account has it already (handoff makes it once per account); null: the module makes it.',
      type: expr('string'),
      default: null,
    }),
    variable('schedules', {
      description: 'When the task runs (schedules: of project.yml): expression in AWS form (cron(...) or rate(...)), time zone, enabled, description and the run\'s environment.',
      type: expr('map(object({\n    expression  = string\n    timezone    = optional(string, "UTC")\n    enabled     = optional(bool, true)\n    description = optional(string)\n    envs        = optional(map(string), {})\n  }))'),
      default: Object.fromEntries(input.schedules.map((s) => [s.target_id, createScheduleDefault(s)])),
      validation: validation(
        'alltrue([for key, s in var.schedules : can(regex("^[0-9a-zA-Z._-]{1,57}$", key)) && !contains(keys(s.envs), "HO_STAGE")])',
        'Schedule keys are 1-57 letters, digits and . _ -, and envs may not set HO_STAGE (the stage is the one deployed).',
      ),
    }),
    variable('tags', { description: 'Tags of every resource that takes tags (deploy.tags), beside handoff\'s own.', type: expr('map(string)'), default: deploy.tags ?? {} }),
  ];
}

function createScheduleDefault(s: Schedule): Record<string, HclValue> {
  const out: Record<string, HclValue> = { expression: parseSchedule(s.cron, s.timezone).awsExpression };
  if (s.timezone) out.timezone = checkTimeZone(s.timezone);
  if (!s.enabled) out.enabled = false;
  const description = s.description ?? s.name;
  if (description) out.description = description;
  // HO_STAGE is left out: createScheduleRequest accepted it only as the deployed stage, which the module sets itself,
  // and var.schedules' validation refuses the key (a default that failed it would stop every `terraform plan`).
  const envs = s.envs.filter((env) => env.key !== 'HO_STAGE');
  if (envs.length > 0) out.envs = Object.fromEntries(envs.map((env) => [env.key, env.value]));
  return out;
}

/** The schedule group and one schedule per entry of var.schedules, starting the runner, or the task with state_machine: false. */
function createSchedules(t: Translator, input: TerraformModuleInput): (HclBlock | { comment: string })[] {
  const { moduleNames: m, deploy, templates } = input;
  const roleArn = deploy.platform_config?.role_arn ?? expr('aws_iam_role.scheduler_role.arn');
  // HANDOFF_TRIGGER last, as `cloud schedule create` sends it: the run's record says a schedule started it. The
  // schedule's envs are named in HANDOFF_ENV_OVERRIDES, as createScheduleRequest names them, so they win over project.yml's.
  const named = `join(",", [for k in keys(each.value.envs) : k if !contains(["__VARS", "${TRIGGER_ENV}", "${OVERRIDES_ENV}"], k)])`;
  const environment = `merge({ HO_STAGE = ${JSON.stringify(m.stage)}, __VARS = "" }, each.value.envs, { ${OVERRIDES_ENV} = ${named}, ${TRIGGER_ENV} = "schedule" })`;
  const viaRunner = templates.task.Resources.StateMachine !== undefined;
  const capacity = resolveCapacity(deploy);
  const target = viaRunner
    ? makeBlock('target', [], {
        arn: expr('aws_sfn_state_machine.state_machine.arn'),
        role_arn: roleArn,
        input: expr(`jsonencode({ Environment = [for k, v in ${environment} : { Name = k, Value = v }] })`),
      })
    : makeBlock('target', [], {
        arn: expr('local.cluster_arn'),
        role_arn: roleArn,
        input: expr(`jsonencode({ containerOverrides = [{ name = ${JSON.stringify(m.containerName)}, environment = [for k, v in ${environment} : { name = k, value = v }] }] })`),
        ecs_parameters: makeBlock('ecs_parameters', [], {
          task_definition_arn: expr('aws_ecs_task_definition.task_definition.arn'),
          task_count: 1,
          launch_type: capacity.kind === 'launch-type' ? 'FARGATE' : undefined,
          platform_version: resolveRunnerSettings(deploy).platformVersion,
          propagate_tags: 'TASK_DEFINITION',
          enable_ecs_managed_tags: true,
          network_configuration: makeBlock('network_configuration', [], {
            subnets: expr('local.subnet_ids'),
            security_groups: expr('local.security_group_ids'),
            assign_public_ip: expr('local.assign_public_ip == "ENABLED"'),
          }),
          capacity_provider_strategy:
            capacity.kind === 'strategy' ? capacity.strategy.map((s) => makeBlock('capacity_provider_strategy', [], { capacity_provider: s.capacityProvider, weight: s.weight })) : undefined,
        }),
      });
  return [
    { comment: 'EventBridge Scheduler: the task\'s own schedule group and one schedule per entry of var.schedules' },
    makeBlock('resource', ['aws_scheduler_schedule_group', 'schedules'], { name: t.value(m.scheduleGroup) }),
    makeBlock('resource', ['aws_scheduler_schedule', 'schedule'], {
      for_each: expr('var.schedules'),
      name: expr('"target-${each.key}"'),
      group_name: expr('aws_scheduler_schedule_group.schedules.name'),
      description: expr('each.value.description'),
      schedule_expression: expr('each.value.expression'),
      schedule_expression_timezone: expr('each.value.timezone'),
      state: expr('each.value.enabled ? "ENABLED" : "DISABLED"'),
      flexible_time_window: makeBlock('flexible_time_window', [], { mode: 'OFF' }),
      target,
    }),
  ];
}

function createOutputs(t: Translator, input: TerraformModuleInput): HclBlock[] {
  const output = (name: string, description: string, value: HclValue): HclBlock => makeBlock('output', [name], { description, value });
  const { templates } = input;
  const outputs = [
    output('bucket', 'Bucket of the project (handoff project push puts project.yml, files/ and secrets there).', expr('aws_s3_bucket.bucket.id')),
    output('cluster_arn', 'ECS cluster the tasks run in.', expr('local.cluster_arn')),
    output('subnets', 'Subnets the tasks run in.', expr('local.subnet_ids')),
    output('security_groups', 'Security groups of the tasks.', expr('local.security_group_ids')),
    output('execution_role_arn', 'ECS task execution role.', expr('local.execution_role_arn')),
    output('runner_role_arn', 'Role of the Step Functions runner.', expr('aws_iam_role.runner_role.arn')),
    output('scheduler_role_arn', 'Role EventBridge Scheduler starts runs with.', expr('aws_iam_role.scheduler_role.arn')),
    output('permissions_boundary_arn', 'The boundary every role of the module carries.', expr('local.permissions_boundary_arn')),
  ];
  if (templates.resources.Resources.StaticIp) outputs.push(output('static_ip', 'The one public IP address of every run\'s outbound traffic (null with subnets of your own).', expr('one(aws_eip.static_ip[*].public_ip)')));
  for (const [key, o] of Object.entries(templates.task.Outputs ?? {})) outputs.push(output(toSnakeCase(key), o.Description ?? key, t.value(o.Value)));
  outputs.push(output('schedules', 'The schedules, by key of var.schedules.', expr('{ for key, s in aws_scheduler_schedule.schedule : key => s.arn }')));
  return outputs;
}

