// `container push`: the project's image to its provider's registry (repository created when missing) or to deploy.image_domain.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import { loadProject } from '../project/load-project.js';
import { parseCloudProvider } from '../providers/provider.js';
import { findProviderEntry } from '../providers/provider-registry.js';
import { locateDeployErrors } from '../providers/deploy/locate-deploy-error.js';
import { imageExists, resolveContainerCli, runCli, type ContainerCli } from './container-cli.js';
import type { EmitContainerEvent } from './container-events.js';
import { resolveImageName } from './image-name.js';
import { findProjectVersion } from './image-project.js';

export interface PushImageOptions {
  projectDir: string;
  /** `-v version=`; else deploy.image_version; else the highest local version built from this project. */
  version?: string;
  containerProvider?: string;
  /** `--cloud-provider`, over deploy.cloud_provider: whose registry. */
  cloudProvider?: string;
  /** `--cloud-profile` for the registry's calls. */
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
  /** The provider's registry only: whether the repository was made by this push. */
  repositoryCreated?: boolean;
}

/**
 * Without `deploy.image_domain`, or with the provider's own registry there (ECR, Artifact Registry), the image goes to
 * the provider's registry: the repository is created when missing and the CLI logs in with a token on stdin. Any other
 * `image_domain` is a registry of its own (a company registry, or one on loopback in tests): the image is pushed
 * there as it is, with the CLI's existing login.
 */
export async function pushImage(options: PushImageOptions): Promise<PushImageResult> {
  const env = options.env ?? process.env;
  const { project } = await loadProject(options.projectDir, options.cloudProvider !== undefined ? { cloudProvider: options.cloudProvider } : {});
  const name = resolveImageName(project);
  const domain = project.deploy.image_domain?.trim().replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const providerName = options.cloudProvider
    ? parseCloudProvider(options.cloudProvider, '--cloud-provider')
    : parseCloudProvider(project.deploy.cloud_provider ?? 'local', 'deploy.cloud_provider');
  const images = findProviderEntry(providerName).images;
  // Before anything starts: an image_domain the provider's deploy would not run the image from is refused at its line.
  if (images?.checkDomain) {
    const { checkDomain } = images;
    await locateDeployErrors(project.file, async () => checkDomain(project));
  }
  const cli = await resolveContainerCli(options.containerProvider, env);
  const version =
    options.version ?? project.deploy.image_version ?? (await findProjectVersion(cli, name, project, { what: 'push', projectDir: options.projectDir, emit: options.emit }));
  const image = `${name}:${version}`;
  if (!(await imageExists(cli, image))) {
    throw new UserError(`the image ${image} is not on this machine`, { fix: `build it (handoff container build -p ${options.projectDir}) or push a version that exists (-v version=…)` });
  }

  let registry: string;
  let repository = name;
  let repositoryCreated: boolean | undefined;
  if (domain && !images?.owns(domain)) {
    registry = domain;
  } else if (!images) {
    throw new UserError(`the ${providerName} provider has no image registry, so container push needs one named in deploy.image_domain`, {
      fix: 'set deploy.image_domain to your registry (e.g. registry.example.com), or push with the cloud provider you deploy to (--cloud-provider)',
    });
  } else {
    const prepared = await images.prepare({ project, image: name, profile: options.cloudProfile, log: (message) => options.emit({ type: 'log', level: 'info', message }) });
    repositoryCreated = prepared.created;
    repository = prepared.repository;
    registry = domain ?? prepared.registry;
    // As for the push below: podman needs telling that a registry on loopback speaks plain HTTP.
    const plainHttp = cli.name === 'podman' && isLoopbackRegistry(registry) ? ['--tls-verify=false'] : [];
    await runCli(cli, {
      args: ['login', ...plainHttp, '--username', prepared.login.username, '--password-stdin', registry],
      input: prepared.login.password,
      env,
      what: `log in to ${registry}`,
      fix: `check that the credentials may push to the ${providerName} registry and that ${registry} is reachable`,
    });
  }

  const remote = `${registry}/${repository}:${version}`;
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

/** Whether a registry (`host[:port][/namespace…]`, as deploy.image_domain names it) is on this machine's loopback. */
export function isLoopbackRegistry(registry: string): boolean {
  // The host is what comes before the first `/`: `localhost:5000/team` pushes to localhost too.
  const host = registry.split('/')[0]!.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
