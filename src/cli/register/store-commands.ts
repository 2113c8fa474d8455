// Defines the store commands: config, files, secrets, artifacts, project and cloud bucket (local or AWS provider).
import type { Command } from 'commander';
import { defineAction } from './define-action.js';

/** Command groups are shared between modules (`config validate` is local, `config push` a store command). */
export function findOrAddCommand(parent: Command, name: string, description: string): Command {
  return parent.commands.find((c) => c.name() === name) ?? parent.command(name).description(description);
}

const STORE_HELP = `
The store is chosen by deploy.cloud_provider (local, the default, aws, gcp or azure; --cloud-provider overrides it) and named by
deploy.resource_group and deploy.task (or -e resource_group=NAME task=NAME). Layout (SPEC §6):
  <bucket>/<task>/project.yml, files/…, artifacts/last/…, artifacts/archives/<UTC time>/…, runs/<run_id>.json
  secrets: /handoff/<RG>/<task>/<key> (task level), /handoff/<RG>/<key> (resource group level)
<RG> is <stage>-<resource_group> except for prod. local keeps this under $HANDOFF_HOME (default ~/.handoff);
aws uses S3 and SSM with the default credentials chain, --cloud-profile, AWS_REGION and AWS_ENDPOINT_URL;
gcp uses Cloud Storage and Secret Manager (one secret per <RG> and per <RG>/<task>) with Application Default Credentials;
azure uses a Blob container and Key Vault (one secret per <RG> and per <RG>/<task>) with DefaultAzureCredential.`;

const commands = () => import('../commands/store-command.js');
const secrets = () => import('../commands/secrets-command.js');

export function registerStoreCommands(program: Command): void {
  const config = findOrAddCommand(program, 'config', 'project.yml: validate it, or push it to and get it from the store');
  config
    .command('push')
    .description('upload project.yml (after validating it) to <bucket>/<task>/project.yml')
    .addHelpText('after', `\nExample:\n  handoff config push -p examples/word-count\n${STORE_HELP}`)
    .action(defineAction(async (options) => (await commands()).configPushCommand(options)));
  config
    .command('get')
    .description('download the stored project.yml into <workspace>/.handoff/project/')
    .addHelpText('after', `\nExample:\n  handoff config get -p examples/word-count -w /tmp/ws\n${STORE_HELP}`)
    .action(defineAction(async (options) => (await commands()).configGetCommand(options)));
  config
    .command('print')
    .description('print the stored project.yml (as JSON with --json)')
    .addHelpText('after', STORE_HELP)
    .action(defineAction(async (options) => (await commands()).configPrintCommand(options)));
  config
    .command('delete')
    .description('delete the stored project.yml')
    .addHelpText('after', STORE_HELP)
    .action(defineAction(async (options) => (await commands()).configDeleteCommand(options)));

  const files = findOrAddCommand(program, 'files', 'the project\'s files/ (templates) in the store and in the workspace');
  files
    .command('push')
    .description('upload <project>/files/** to <bucket>/<task>/files/ (as templates; they are rendered at run time)')
    .addHelpText('after', STORE_HELP)
    .action(defineAction(async (options) => (await commands()).filesPushCommand(options)));
  files
    .command('get')
    .description('render files into <workspace>/files: from the store (with stored config and secrets), or `local` from the project folder')
    .argument('[where]', '"local": render <project>/files with the project\'s .secrets/ instead of the store\'s')
    .addHelpText('after', `\nExamples:\n  handoff files get -p examples/secrets-stages -w /tmp/ws\n  handoff files get local -p examples/secrets-stages -w /tmp/ws\n${STORE_HELP}`)
    .action(
      defineAction(async (options, command) => {
        const where = command.args[0];
        if (where === undefined) return (await commands()).filesGetCommand(options);
        if (where !== 'local') throw (await import('../unknown-operand.js')).unknownOperand('files source', where, ['local'], 'use `handoff files get` (the store) or `handoff files get local`');
        return (await commands()).filesGetLocalCommand(options);
      }),
    );
  files
    .command('delete')
    .description('delete <bucket>/<task>/files/ from the store')
    .addHelpText('after', STORE_HELP)
    .action(defineAction(async (options) => (await commands()).filesDeleteCommand(options)));

  const secretsGroup = findOrAddCommand(program, 'secrets', 'the stage\'s secrets in the provider\'s secret store');
  secretsGroup
    .command('push')
    .description('push the stage\'s secrets (.secrets/<stage>_secrets.yml) to the secret store; asks first unless -y')
    .addHelpText(
      'after',
      `
Secrets with push: false are never pushed. Values over 4096 bytes need the Advanced tier: allow it with
-v allow_advanced_tier=true; over 8192 bytes they cannot be stored. Every check runs before anything is written.
The key "config" is reserved (the original handoff kept the project there).

Example:
  handoff secrets push -p examples/secrets-stages -s dev -y
${STORE_HELP}`,
    )
    .action(defineAction(async (options) => (await secrets()).secretsPushCommand(options)));
  secretsGroup
    .command('print')
    .description('list the stored secrets of the task: key, level and where each lives; values masked unless --reveal')
    .option('--reveal', 'print the values themselves')
    .addHelpText('after', STORE_HELP)
    .action(defineAction(async (options, command) => (await secrets()).secretsPrintCommand(options, command.opts())));
  secretsGroup
    .command('delete')
    .description('delete the stage\'s secrets (the keys of .secrets/<stage>_secrets.yml) from the store; asks first unless -y')
    .option('--key <key...>', 'delete the stored secrets of these keys instead (task and resource group level), whatever the secrets file says')
    .addHelpText(
      'after',
      `
--key removes what the secrets file no longer pushes, e.g. a resource-group secret now marked push: false
(\`project push\` and \`secrets push\` remove stale task-level secrets themselves; shared ones are left to you):
  handoff secrets delete -p examples/secrets-stages --key OLD_TOKEN -y
${STORE_HELP}`,
    )
    .action(defineAction(async (options, command) => (await secrets()).secretsDeleteCommand(options, command.opts())));

  const artifacts = findOrAddCommand(program, 'artifacts', 'the workspace\'s artifacts/ in the store');
  artifacts
    .command('get')
    .description('download <bucket>/<task>/artifacts/last/** into <workspace>/artifacts')
    .addHelpText('after', STORE_HELP)
    .action(defineAction(async (options) => (await commands()).artifactsGetCommand(options)));
  artifacts
    .command('push')
    .description('upload <workspace>/artifacts/** to <bucket>/<task>/artifacts/last/')
    // The original handoff's push only uploads, and a workspace may hold some artifacts only (a run fetches last/ first,
    // a hand-made one need not): removing what it lacks could drop a task's state.json. So it adds, and says so.
    .addHelpText(
      'after',
      `
Files are added or overwritten, never removed (unlike files push, which mirrors files/): stored files the workspace
no longer has stay in last/ (and in the next archive): \`handoff artifacts delete\` clears last/ first.
${STORE_HELP}`,
    )
    .action(defineAction(async (options) => (await commands()).artifactsPushCommand(options)));
  artifacts
    .command('archive')
    .description('copy artifacts/last/ to artifacts/archives/<UTC ISO time>/ inside the store')
    .addHelpText('after', STORE_HELP)
    .action(defineAction(async (options) => (await commands()).artifactsArchiveCommand(options)));
  artifacts
    .command('delete')
    .description('delete artifacts/last/ from the store (archives stay)')
    .addHelpText('after', STORE_HELP)
    .action(defineAction(async (options) => (await commands()).artifactsDeleteCommand(options)));

  const project = findOrAddCommand(program, 'project', 'config, files and secrets together');
  project
    .command('push')
    .description('push project.yml, files/ and the stage\'s secrets; every check runs before anything is written; asks first unless -y')
    .addHelpText('after', `\nExample:\n  handoff project push -p examples/secrets-stages -y\n${STORE_HELP}`)
    .action(defineAction(async (options) => (await commands()).projectPushCommand(options)));
  project
    .command('delete')
    .description('delete the stored project.yml, files/ and task-level secrets (resource-group secrets, artifacts and runs stay); asks first unless -y')
    .addHelpText('after', STORE_HELP)
    .action(defineAction(async (options) => (await commands()).projectDeleteCommand(options)));

  const cloud = findOrAddCommand(program, 'cloud', 'the project in its provider (local, aws, gcp or azure): bucket, infrastructure, plan and deploy, runs, jobs, logs, schedules');
  const bucket = findOrAddCommand(cloud, 'bucket', 'the bucket that holds projects, files, artifacts and run records');
  bucket
    .command('create')
    .description('aws: create or update the handoff-<RG>-bucket CloudFormation stack (encrypted, private, versioned, retained); azure: the Blob container, its storage account and Key Vault; local: the folder')
    .addHelpText('after', `\nExample:\n  handoff cloud bucket create -p examples/word-count\n${STORE_HELP}`)
    .action(defineAction(async (options) => (await commands()).bucketCreateCommand(options)));
  bucket
    .command('delete')
    .description('aws: delete the bucket stack (the bucket and its contents are retained); azure: delete the Blob container if it is empty; local: remove the folder if it is empty')
    .addHelpText('after', STORE_HELP)
    .action(defineAction(async (options) => (await commands()).bucketDeleteCommand(options)));
  bucket
    .command('status')
    .description('whether the bucket exists, and the status of its stack')
    .addHelpText('after', STORE_HELP)
    .action(defineAction(async (options) => (await commands()).bucketStatusCommand(options)));
}
