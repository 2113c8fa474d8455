// Defines the deployment commands under `cloud`: each provider's `cloud <kind>` words, plan, deploy and export.
import type { Command } from 'commander';
import type { DeploymentEntry, ProviderEntry } from '../../providers/provider-registry.js';
import { defineAction } from './define-action.js';

const load = () => import('../commands/cloud-deploy-command.js');

/** The deploying providers, each with its entry (the words, help and formats are theirs). */
function listDeployments(providers: readonly ProviderEntry[]): { name: string; deployment: DeploymentEntry }[] {
  return providers.flatMap((e) => (e.deployment ? [{ name: e.name, deployment: e.deployment }] : []));
}

/** Help of one kind's verb: its own example (a reader takes an example for the command to type), then the kind's notes. */
const KIND_EXAMPLES: Record<string, Partial<Record<'create' | 'update' | 'delete' | 'status', string>>> = {
  task: {
    create: '\nExample:\n  handoff cloud task create -p examples/exchange-rates -v version=0.3\n',
    update: '\nExample:\n  handoff cloud task update -p examples/exchange-rates -v version=0.4\n',
    delete: '\nExample:\n  handoff cloud task delete -p examples/exchange-rates                      # keeps its logs\n  handoff cloud task delete -p examples/exchange-rates -v delete_logs=true\n',
    status: '\nExample:\n  handoff cloud task status -p examples/exchange-rates\n',
  },
};
const KIND_NOTES: Record<string, string> = {
  role: '\n-v grantee_account_id=<12 digits> (default: this account) and -v external_id=<text> (required of the assuming side).\n',
};

export function registerCloudDeployCommands(cloud: Command, providers: readonly ProviderEntry[]): void {
  const deployments = listDeployments(providers);
  const help = `\n${deployments.map((d) => d.deployment.help).join('\n\n')}`;
  const kinds = [...new Set(deployments.flatMap((d) => Object.keys(d.deployment.kinds)))];
  for (const kind of kinds) {
    const holders = deployments.filter((d) => d.deployment.kinds[kind]);
    const what = holders.map((d) => (holders.length === 1 && deployments.length === 1 ? d.deployment.kinds[kind]!.holds : `${d.name}: ${d.deployment.kinds[kind]!.holds}`)).join('; ');
    const group = cloud.command(kind).description(what);
    const kindHelp = (verb: 'create' | 'update' | 'delete' | 'status'): string => `${KIND_EXAMPLES[kind]?.[verb] ?? ''}${KIND_NOTES[kind] ?? ''}${help}`;
    group
      .command('create')
      .description(`create it, or bring it up to date when it exists`)
      .addHelpText('after', kindHelp('create'))
      .action(defineAction(async (options) => (await load()).cloudStackCommand(options, kind, 'create')));
    group
      .command('update')
      .description('update what exists (refuses what does not exist, so a typo never creates something new)')
      .addHelpText('after', kindHelp('update'))
      .action(defineAction(async (options) => (await load()).cloudStackCommand(options, kind, 'update')));
    group
      .command('delete')
      .description(kind === 'task' ? "delete the task's schedules, then the task" : 'delete it')
      .addHelpText('after', kindHelp('delete'))
      .action(defineAction(async (options) => (await load()).cloudStackCommand(options, kind, 'delete')));
    group
      .command('status')
      .description(kind === 'task' ? 'its status and what the cloud runs now (image, size)' : 'its status and outputs')
      .addHelpText('after', kindHelp('status'))
      .action(defineAction(async (options) => (await load()).cloudStackCommand(options, kind, 'status')));
  }
  const formats = deployments.map((d) => `${d.deployment.exportFormats.join(' or ')} (${d.name})`).join('; ');
  cloud
    .command('plan')
    .description('what `cloud deploy` would change: infrastructure (with a readable diff), project files and secrets, schedules; changes nothing')
    .addHelpText('after', help)
    .action(defineAction(async (options) => (await load()).cloudPlanCommand(options)));
  cloud
    .command('deploy')
    .description('bucket, resources, project push, task and schedules in one idempotent step (asks before pushing changed secrets unless -y)')
    .addHelpText('after', `\nExample:\n  handoff cloud deploy -p examples/exchange-rates -y\n${help}`)
    .action(defineAction(async (options) => (await load()).cloudDeployCommand(options)));
  cloud
    .command('export')
    .description('write the infrastructure of `cloud deploy` as files a team can own (CloudFormation templates or a Terraform configuration)')
    .option('--format <format>', `${formats}; default: the first`)
    .option('-o, --output <dir>', 'folder to write to (created when missing)')
    .addHelpText(
      'after',
      `\nExamples:\n  handoff cloud export -p examples/exchange-rates --format terraform -o infra/\n  handoff cloud export -p examples/exchange-rates --format cloudformation -o cfn/\n${help}`,
    )
    .action(defineAction(async (options, command) => (await load()).cloudExportCommand(options, command.opts())));
}
