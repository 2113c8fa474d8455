// `container run`: runs the project's image locally exactly as the cloud would — `handoff run` against the store.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import { loadProject } from '../project/load-project.js';
import { resolveHandoffHome } from '../providers/local/handoff-home.js';
import { parseCloudProvider, type CloudProviderName } from '../providers/provider.js';
import { runProgram, type RunningProgram } from '../process/run-program.js';
import { DEFAULT_COMMAND, IMAGE } from './context-layout.js';
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
  /** `--cloud-profile`: the AWS profile, read from ~/.aws mounted read-only. */
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

/** AWS settings a container needs to reach the same account and endpoint as this shell. */
const AWS_PASS_THROUGH = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ENDPOINT_URL'];

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

  if (provider === 'local') {
    const home = resolveHandoffHome(env);
    if (!fs.existsSync(home.dir)) {
      throw new UserError(`the local store ${home.dir} does not exist, so the container has nothing to run`, {
        fix: `push the project to it first: handoff project push -p ${options.projectDir} (HANDOFF_HOME chooses the folder)`,
      });
    }
    args.push('-v', `${home.dir}:${IMAGE.handoffHome}`);
    pass('HANDOFF_HOME', IMAGE.handoffHome);
  } else {
    for (const key of [...AWS_PASS_THROUGH, ...Object.keys(env).filter((k) => k.startsWith('AWS_ENDPOINT_URL_'))]) {
      const value = env[key];
      if (value) pass(key, value);
    }
    const profile = options.cloudProfile ?? env.AWS_PROFILE;
    if (profile) {
      const awsDir = path.join(os.homedir(), '.aws');
      if (!fs.existsSync(awsDir)) {
        throw new UserError(`the AWS profile "${profile}" needs ${awsDir}, which does not exist`, {
          fix: 'configure the profile (aws configure --profile NAME), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead',
        });
      }
      args.push('-v', `${awsDir}:/root/.aws:ro`);
      pass('AWS_PROFILE', profile);
    }
    if (pointsAtThisMachine(env.AWS_ENDPOINT_URL)) {
      // An emulator on this machine's loopback (moto, LocalStack) is only reachable from the host's network namespace.
      args.push('--network', 'host');
      options.emit({ type: 'log', level: 'info', message: `AWS_ENDPOINT_URL is on this machine, so the container shares the host network` });
    }
  }
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

function pointsAtThisMachine(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\./.test(host);
  } catch {
    return false;
  }
}

