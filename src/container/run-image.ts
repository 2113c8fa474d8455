// `container run`: runs the project's image locally exactly as the cloud would — `handoff run` against the store.
import crypto from 'node:crypto';
import { UserError } from '../errors.js';
import { loadProject } from '../project/load-project.js';
import { parseCloudProvider, type CloudProviderName } from '../providers/provider.js';
import { findProviderEntry } from '../providers/provider-registry.js';
import { runProgram, type RunningProgram } from '../process/run-program.js';
import { DEFAULT_COMMAND } from './context-layout.js';
import { listLocalTags, resolveContainerCli, type ContainerCli } from './container-cli.js';
import type { EmitContainerEvent } from './container-events.js';
import { resolveImageName } from './image-name.js';
import { findHighestVersion } from './image-version.js';

export interface RunImageOptions {
  projectDir: string;
  stage: string;
  /** `-e` pairs: environment variables of the container, as a cloud run's envs. */
  envs: Record<string, string>;
  /** `-v version=`; else deploy.image_version; else the highest local version. */
  version?: string;
  containerProvider?: string;
  /** `--cloud-provider`, over deploy.cloud_provider. */
  cloudProvider?: string;
  /** `--cloud-profile`: the provider's credentials profile (AWS: ~/.aws mounted read-only). */
  cloudProfile?: string;
  env?: NodeJS.ProcessEnv;
  emit: EmitContainerEvent;
}

/** The whole `docker run`, ready to start: printable (values of passed-through variables are not in `args`). */
export interface ImageRun {
  cli: ContainerCli;
  image: string;
  provider: CloudProviderName;
  args: string[];
  /** The CLI's environment: the variables that `-e NAME` passes through by name take their values from here. */
  env: NodeJS.ProcessEnv;
}

/**
 * Plans the run. Variables are passed by name (`-e NAME`, the value taken from the CLI's own environment), so
 * credentials never appear on a command line or in a process list. The project's `.secrets/` is never mounted: the
 * run reads secrets from the store, as in the cloud.
 */
export async function prepareImageRun(options: RunImageOptions): Promise<ImageRun> {
  const env = options.env ?? process.env;
  const { project } = await loadProject(options.projectDir);
  const name = resolveImageName(project);
  const cli = await resolveContainerCli(options.containerProvider, env);
  const version = options.version ?? project.deploy.image_version ?? findHighestVersion(await listLocalTags(cli, name));
  if (version === undefined) {
    throw new UserError(`there is no local image of ${name} to run`, { fix: `build it first: handoff container build -p ${options.projectDir}` });
  }
  const image = `${name}:${version}`;
  const provider = options.cloudProvider
    ? parseCloudProvider(options.cloudProvider, '--cloud-provider')
    : parseCloudProvider(project.deploy.cloud_provider ?? 'local', 'deploy.cloud_provider');

  const childEnv: NodeJS.ProcessEnv = { ...env };
  const args = ['run', '--rm', '--name', `handoff-${name.replace(/[^a-zA-Z0-9_.-]/g, '-')}-${crypto.randomBytes(4).toString('hex')}`];
  const pass = (key: string, value: string): void => {
    childEnv[key] = value;
    args.push('-e', key);
  };
  pass('HO_STAGE', options.stage);
  for (const [key, value] of Object.entries(options.envs)) {
    if (key === 'HO_STAGE' && value !== options.stage) {
      throw new UserError(`-e HO_STAGE=${value} contradicts the stage ${options.stage}`, { fix: `use -s ${value} instead` });
    }
    pass(key, value);
  }

  // How the container reaches the store is the provider's to say: a mounted HANDOFF_HOME, or credentials and endpoints.
  const access = findProviderEntry(provider).containerAccess?.({ env, profile: options.cloudProfile, project });
  for (const [key, value] of Object.entries(access?.env ?? {})) pass(key, value);
  for (const mount of access?.mounts ?? []) args.push('-v', mount);
  if (access?.hostNetwork) args.push('--network', 'host');
  for (const message of access?.notices ?? []) options.emit({ type: 'log', level: 'info', message });
  args.push(image);
  // The image's own project.yml names its provider; an override has to reach the handoff inside as well.
  if (options.cloudProvider) args.push(...DEFAULT_COMMAND, '--cloud-provider', provider);
  return { cli, image, provider, args, env: childEnv };
}

/**
 * Starts the run; its output is passed on to this terminal line by line (stdout to stdout, stderr to stderr), and
 * every line also goes to `onLine` so a failure of the runtime itself can be explained. Signals sent to the CLI are
 * relayed to the container.
 */
export function startImageRun(run: ImageRun, onLine: (line: string) => void = () => {}): RunningProgram {
  return runProgram({
    file: run.cli.file,
    args: run.args,
    env: run.env,
    onStdoutLine: (line) => {
      process.stdout.write(`${line}\n`);
      onLine(line);
    },
    onStderrLine: (line) => {
      process.stderr.write(`${line}\n`);
      onLine(line);
    },
  });
}

/** runc's "error setting rlimit type 7: operation not permitted" (crun: "setrlimit `RLIMIT_NPROC`: Operation not permitted"). */
const RLIMIT_DENIED = /(error setting rlimit|setrlimit).*operation not permitted/i;

/**
 * What to do about a container that the runtime could not start, when its output says why; undefined otherwise.
 * Today: resource limits (ulimits) the runtime may not set as this user, which containers.conf fixes.
 */
export function explainRuntimeFailure(lines: readonly string[], cli: ContainerCli['name']): string | undefined {
  if (!lines.some((line) => RLIMIT_DENIED.test(line))) return undefined;
  const conf = cli === 'podman' ? '/etc/containers/containers.conf' : 'the engine\'s daemon.json (default-ulimits)';
  return (
    `the container runtime was not allowed to set the container's resource limits (rlimits). Set limits it may set in ${conf}: ` +
    'under [containers] `default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]`, and under [engine] `runtime = "runc"` and ' +
    '`cgroup_manager = "cgroupfs"` where crun does not work (README, "Podman as root on machines where crun fails"; .ci/setup-containers.sh writes exactly that)'
  );
}
