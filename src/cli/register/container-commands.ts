// Defines `handoff container build|run|push`: the project's image, built, run locally as the cloud would, and pushed.
import type { Command } from 'commander';
import { defineAction } from './define-action.js';

const load = () => import('../commands/container-command.js');

export function registerContainerCommands(program: Command): void {
  const container = program
    .command('container')
    .description('build the project\'s image, run it locally as the cloud would, push it to the registry (docker or podman)')
    .addHelpText(
      'after',
      '\nThe container CLI is docker when its engine answers, else podman; --container-provider picks one.\n' +
        'The base image: HANDOFF_BASE_IMAGE, else container.base_image, else the offline base of `npm run container:base` when\n' +
        'it exists, else node:20-bookworm-slim.',
    );
  container
    .command('build')
    .description('write a Dockerfile (or use container.docker_file) and build <container_image>:<next version>, never with .secrets/')
    .option('--dry-run', 'print the Dockerfile and what is left out of the build context; build nothing')
    .addHelpText('after', '\nExamples:\n  handoff container build -p examples/exchange-rates\n  handoff container build -p P -v version=1.0')
    .action(defineAction(async (options, command) => (await load()).containerBuildCommand(options, command.opts())));
  container
    .command('run')
    .description('run the image as the cloud does: `handoff run` against the project\'s store, with -s and -e')
    .addHelpText('after', '\nlocal provider: $HANDOFF_HOME is mounted; aws: credentials, region and AWS_ENDPOINT_URL come from the environment; azure: AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (a service principal) come from the environment.\nExample:\n  handoff project push -p P && handoff container run -p P -s dev -e __VARS="start=2024-01-01"')
    .action(defineAction(async (options) => (await load()).containerRunCommand(options)));
  container
    .command('push')
    .description("push the image to the provider's registry (aws: ECR; the repository is created when missing, immutable tags; azure: deploy.registry, logged in with a registry token on stdin), or to deploy.image_domain")
    .action(defineAction(async (options) => (await load()).containerPushCommand(options)));
}
