// `container push`: the project's image to ECR (repository created when missing, immutable tags) or to deploy.image_domain.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import { loadProject } from '../project/load-project.js';
import { imageExists, listLocalTags, resolveContainerCli, runCli, type ContainerCli } from './container-cli.js';
import type { EmitContainerEvent } from './container-events.js';
import { resolveImageName } from './image-name.js';
import { findHighestVersion } from './image-version.js';

export interface PushImageOptions {
  projectDir: string;
  /** `-v version=`; else deploy.image_version; else the highest local version. */
  version?: string;
  containerProvider?: string;
  /** `--cloud-profile` for the ECR calls. */
  cloudProfile?: string;
  env?: NodeJS.ProcessEnv;
  emit: EmitContainerEvent;
}

export interface PushImageResult {
  /** The local `<name>:<version>` that was pushed. */
  image: string;
  /** Where it went: `<registry>/<name>:<version>`. */
  pushed: string;
  registry: string;
  /** `sha256:…` of the pushed manifest; pull `<registry>/<name>@<digest>` to get exactly this image. */
  digest?: string;
  /** ECR only: whether the repository was made by this push. */
  repositoryCreated?: boolean;
}

/** `<account>.dkr.ecr.<region>.amazonaws.com[.cn]`: a registry that needs ECR's repository and login. */
const ECR_REGISTRY = /^\d{12}\.dkr\.ecr(-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;

/**
 * Without `deploy.image_domain`, or with an ECR domain there, the image goes to ECR: the repository is created when
 * missing and the CLI logs in with an ECR token. Any other `image_domain` is a registry of its own (a company
 * registry, or one on loopback in tests): the image is pushed there as it is, with the CLI's existing login.
 */
export async function pushImage(options: PushImageOptions): Promise<PushImageResult> {
  const env = options.env ?? process.env;
  const { project } = await loadProject(options.projectDir);
  const name = resolveImageName(project);
  const cli = await resolveContainerCli(options.containerProvider, env);
  const version = options.version ?? project.deploy.image_version ?? findHighestVersion(await listLocalTags(cli, name));
  if (version === undefined) {
    throw new UserError(`there is no local image of ${name} to push`, { fix: `build it first: handoff container build -p ${options.projectDir}` });
  }
  const image = `${name}:${version}`;
  if (!(await imageExists(cli, image))) {
    throw new UserError(`the image ${image} is not on this machine`, { fix: `build it (handoff container build -p ${options.projectDir}) or push a version that exists (-v version=…)` });
  }

  const domain = project.deploy.image_domain?.trim().replace(/^https?:\/\//, '').replace(/\/+$/, '');
  let registry: string;
  let repositoryCreated: boolean | undefined;
  if (domain && !ECR_REGISTRY.test(domain)) {
    registry = domain;
  } else {
    const { resolveAwsClientConfig } = await import('../providers/aws/sdk/aws-client-config.js');
    const { ensureEcrRepository, getEcrLogin } = await import('../providers/aws/sdk/ecr.js');
    const config = await resolveAwsClientConfig({ profile: options.cloudProfile });
    const repository = await ensureEcrRepository(config, name);
    repositoryCreated = repository.created;
    options.emit({
      type: 'log',
      level: 'info',
      message: repository.created ? `Created the ECR repository ${repository.uri} (immutable tags)` : `ECR repository ${repository.uri} exists`,
    });
    const login = await getEcrLogin(config);
    registry = domain ?? login.registry;
    await runCli(cli, {
      args: ['login', '--username', login.username, '--password-stdin', registry],
      input: login.password,
      env,
      what: `log in to ${registry}`,
      fix: 'check that the credentials may call ecr:GetAuthorizationToken and that the registry is reachable',
    });
  }

  const remote = `${registry}/${name}:${version}`;
  await runCli(cli, { args: ['tag', image, remote], env, what: `tag ${image} as ${remote}` });
  options.emit({ type: 'log', level: 'info', message: `Pushing ${image} to ${remote}` });
  const digest = await pushTagged(cli, remote, registry, env, options.emit);
  return { image, pushed: remote, registry, digest, repositoryCreated };
}

/** Pushes and returns the manifest digest: podman writes it to a file; docker prints `<tag>: digest: sha256:… size: …`. */
async function pushTagged(cli: ContainerCli, remote: string, registry: string, env: NodeJS.ProcessEnv, emit: EmitContainerEvent): Promise<string | undefined> {
  let digest: string | undefined;
  const args = ['push'];
  let digestDir: string | undefined;
  if (cli.name === 'podman') {
    digestDir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-push-'));
    args.push('--digestfile', path.join(digestDir, 'digest'));
    // Docker treats registries on loopback as plain HTTP by itself; podman needs to be told.
    if (isLoopbackRegistry(registry)) args.push('--tls-verify=false');
  }
  args.push(remote);
  try {
    await runCli(cli, {
      args,
      env,
      what: `push ${remote}`,
      fix: `check that ${registry} is reachable and that you are logged in to it (${cli.name} login ${registry})`,
      onLine: (line) => {
        const found = /digest: (sha256:[0-9a-f]{64})/.exec(line);
        if (found) digest = found[1];
        emit({ type: 'output', line });
      },
    });
    if (digestDir) digest = fs.readFileSync(path.join(digestDir, 'digest'), 'utf8').trim() || digest;
  } finally {
    if (digestDir) fs.rmSync(digestDir, { recursive: true, force: true });
  }
  return digest;
}

export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
