// `container run`: runs the project's image locally exactly as the cloud would — `handoff run` against the store.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import { loadProject } from '../project/load-project.js';
import { parseCloudProvider, type CloudProviderName } from '../providers/provider.js';
import { findProviderEntry } from '../providers/provider-registry.js';
import { runProgram, type RunningProgram } from '../process/run-program.js';
import { DEFAULT_COMMAND } from './context-layout.js';
import { resolveContainerCli, type ContainerCli } from './container-cli.js';
import type { EmitContainerEvent } from './container-events.js';
import { resolveImageName } from './image-name.js';
import { findProjectVersion } from './image-project.js';

export interface RunImageOptions {
  projectDir: string;
  stage: string;
  /** `-e` pairs: environment variables of the container, as a cloud run's envs. */
  envs: Record<string, string>;
  /** `-v version=`; else deploy.image_version; else the highest local version built from this project. */
  version?: string;
  containerProvider?: string;
  /** `--cloud-provider`, over deploy.cloud_provider. */
  cloudProvider?: string;
  /** `--cloud-profile`: the provider's credentials profile (AWS: ~/.aws mounted read-only). */
  cloudProfile?: string;
  env?: NodeJS.ProcessEnv;
  emit: EmitContainerEvent;
}

/** The whole `docker run`, ready to start: printable (no variable's value is in `args`). */
export interface ImageRun {
  cli: ContainerCli;
  image: string;
  provider: CloudProviderName;
  args: string[];
  /** The CLI's environment: the variables that `-e NAME` passes through by name take their values from here. */
  env: NodeJS.ProcessEnv;
  /** The `--env-file` of the stage and the `-e` pairs (mode 0600, in a folder of its own). */
  envFile: string;
  /** Removes the env-file; call it once the run has ended (or will not start). */
  dispose(): void;
}

/**
 * Plans the run. No value is on the command line or in a process list: the provider's credentials are passed by
 * name (`-e NAME`, the value taken from the CLI's own environment, where they are already), the stage and the user's
 * `-e` pairs through an env-file only the user can read. Those must not go into the CLI's environment: `-e PATH=…`,
 * `HOME`, `TMPDIR`, `XDG_RUNTIME_DIR` or `CONTAINERS_CONF` would change how docker or podman itself runs. The
 * project's `.secrets/` is never mounted: the run reads secrets from the store, as in the cloud.
 */
export async function prepareImageRun(options: RunImageOptions): Promise<ImageRun> {
  const env = options.env ?? process.env;
  const { project } = await loadProject(options.projectDir, options.cloudProvider !== undefined ? { cloudProvider: options.cloudProvider } : {});
  const name = resolveImageName(project);
  const cli = await resolveContainerCli(options.containerProvider, env);
  const version =
    options.version ?? project.deploy.image_version ?? (await findProjectVersion(cli, name, project, { what: 'run', projectDir: options.projectDir, emit: options.emit }));
  const image = `${name}:${version}`;
  const provider = options.cloudProvider
    ? parseCloudProvider(options.cloudProvider, '--cloud-provider')
    : parseCloudProvider(project.deploy.cloud_provider ?? 'local', 'deploy.cloud_provider');

  const fileEnvs: Record<string, string> = { HO_STAGE: options.stage };
  for (const [key, value] of Object.entries(options.envs)) {
    if (key === 'HO_STAGE' && value !== options.stage) {
      throw new UserError(`-e HO_STAGE=${value} contradicts the stage ${options.stage}`, { fix: `use -s ${value} instead` });
    }
    // An env-file holds one variable a line: a name with a space or a leading # would be misread, not refused.
    if (/\s/.test(key) || key.startsWith('#')) {
      throw new UserError(`-e "${key}" is not a name an environment variable can have`, { fix: 'use letters, digits and _ (e.g. -e MY_VAR=value)' });
    }
    // Docker and podman also drop a trailing carriage return.
    if (/[\r\n]/.test(value)) {
      throw new UserError(`the value of -e ${key} holds a line break, which a container's environment file cannot carry`, {
        fix: 'pass it on one line (e.g. base64-encoded), or put it in a secret of the store',
      });
    }
    fileEnvs[key] = value;
  }

  const childEnv: NodeJS.ProcessEnv = { ...env };
  const args = ['run', '--rm', '--name', `handoff-${name.replace(/[^a-zA-Z0-9_.-]/g, '-')}-${crypto.randomBytes(4).toString('hex')}`];
  // How the container reaches the store is the provider's to say: a mounted HANDOFF_HOME, or credentials and endpoints.
  const access = findProviderEntry(provider).containerAccess?.({ env, profile: options.cloudProfile, project });
  // Given after --env-file, these win over an -e pair of the same name, as they did when all were passed by name.
  const byName: string[] = [];
  for (const [key, value] of Object.entries(access?.env ?? {})) {
    childEnv[key] = value;
    byName.push('-e', key);
  }
  for (const mount of access?.mounts ?? []) args.push('-v', mount);
  if (access?.hostNetwork) args.push('--network', 'host');
  for (const message of access?.notices ?? []) options.emit({ type: 'log', level: 'info', message });

  const envFile = writeEnvFile(fileEnvs);
  const dispose = (): void => fs.rmSync(path.dirname(envFile), { recursive: true, force: true });
  args.push('--env-file', envFile, ...byName, image);
  // The image's own project.yml names its provider; an override has to reach the handoff inside as well.
  if (options.cloudProvider) args.push(...DEFAULT_COMMAND, '--cloud-provider', provider);
  return { cli, image, provider, args, env: childEnv, envFile, dispose };
}

/** `KEY=VALUE` lines in a new folder only this user may enter; docker and podman read the value after the first `=` as it is. */
function writeEnvFile(envs: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-env-'));
  const file = path.join(dir, 'env');
  fs.writeFileSync(file, Object.entries(envs).map(([key, value]) => `${key}=${value}\n`).join(''), { mode: 0o600 });
  return file;
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
