// Defines the AWS deployment commands under `cloud`: resources, task and role stacks, plan, deploy and export.
import type { Command } from 'commander';
import { defineAction } from './define-action.js';

const load = () => import('../commands/cloud-deploy-command.js');

const DEPLOY_HELP = `
Stacks (CloudFormation, deployed with change sets; a second run with nothing changed reports "unchanged"):
  handoff-<RG>-bucket       S3 bucket (cloud bucket create)
  handoff-<RG>-resources    VPC with two public subnets (or deploy.subnets + deploy.security_groups), ECS cluster, roles
  handoff-<RG>-<task>       log group, metric filters, Fargate task definition, task role, Step Functions runner, alarms
  handoff-role-<account>    the deploy role another account can assume (cloud role create)
<RG> is <stage>-<resource_group> except for prod. The image is -v version=, else deploy.image_version, else the highest
version tag in ECR (handoff container push). Fargate cpu/memory/storage and every other deploy value are checked
before anything is sent to AWS.`;

type StackKind = 'resources' | 'task' | 'role';

const STACK_TEXT: Record<StackKind, { what: string; extra?: string }> = {
  resources: { what: 'the shared network, ECS cluster and roles of the resource group (handoff-<RG>-resources)' },
  task: {
    what: "the task's log group, metric filters, Fargate task definition, task role, Step Functions runner and alarms (handoff-<RG>-<task>)",
    extra: '\nExample:\n  handoff cloud task create -p examples/exchange-rates -v version=0.3\n',
  },
  role: {
    what: 'the deploy role that an account may assume to run handoff (handoff-role-<account>)',
    extra: '\n-v grantee_account_id=<12 digits> (default: this account) and -v external_id=<text> (required of the assuming side).\n',
  },
};

export function registerCloudDeployCommands(cloud: Command): void {
  for (const kind of ['resources', 'task', 'role'] as const) {
    const group = cloud.command(kind).description(STACK_TEXT[kind].what);
    const help = `${STACK_TEXT[kind].extra ?? ''}${DEPLOY_HELP}`;
    group
      .command('create')
      .description(`create the stack, or bring it up to date when it exists`)
      .addHelpText('after', help)
      .action(defineAction(async (options) => (await load()).cloudStackCommand(options, kind, 'create')));
    group
      .command('update')
      .description('update the existing stack through a change set (refuses a stack that does not exist)')
      .addHelpText('after', help)
      .action(defineAction(async (options) => (await load()).cloudStackCommand(options, kind, 'update')));
    group
      .command('delete')
      .description(kind === 'task' ? "delete the task's schedules and its stack" : 'delete the stack')
      .addHelpText('after', help)
      .action(defineAction(async (options) => (await load()).cloudStackCommand(options, kind, 'delete')));
    group
      .command('status')
      .description(kind === 'task' ? 'the stack status, outputs and the task definition ECS runs' : 'the stack status and outputs')
      .addHelpText('after', help)
      .action(defineAction(async (options) => (await load()).cloudStackCommand(options, kind, 'status')));
  }
  cloud
    .command('plan')
    .description('what `cloud deploy` would change: stacks (a change set for each update, created and deleted again), project files and secrets, schedules; changes nothing')
    .addHelpText('after', DEPLOY_HELP)
    .action(defineAction(async (options) => (await load()).cloudPlanCommand(options)));
  cloud
    .command('deploy')
    .description('bucket, resources, project push, task and schedules in one idempotent step (asks before pushing changed secrets unless -y)')
    .addHelpText('after', `\nExample:\n  handoff cloud deploy -p examples/exchange-rates -y\n${DEPLOY_HELP}`)
    .action(defineAction(async (options) => (await load()).cloudDeployCommand(options)));
  cloud
    .command('export')
    .description('write the infrastructure of `cloud deploy` as files a team can own: CloudFormation templates or a Terraform configuration')
    .option('--format <format>', 'cloudformation or terraform', 'cloudformation')
    .option('-o, --output <dir>', 'folder to write to (created when missing)')
    .addHelpText(
      'after',
      `\nExamples:\n  handoff cloud export -p examples/exchange-rates --format terraform -o infra/\n  handoff cloud export -p examples/exchange-rates --format cloudformation -o cfn/\n${DEPLOY_HELP}`,
    )
    .action(defineAction(async (options, command) => (await load()).cloudExportCommand(options, command.opts())));
}
