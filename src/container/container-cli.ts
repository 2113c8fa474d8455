// The container CLI (docker or podman): which one to use, and the few commands handoff runs with it.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { runProgram, type ProgramExit, type RunningProgram } from '../process/run-program.js';

export type ContainerCliName = 'docker' | 'podman';

const NAMES: readonly ContainerCliName[] = ['docker', 'podman'];

export interface ContainerCli {
  name: ContainerCliName;
  /** The executable's path. */
  file: string;
}

/** Finds an executable on PATH without running anything. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/**
 * The CLI named by `--container-provider`, else `docker` when its engine answers, else `podman`, else `docker`
 * (whose own error then says what is wrong). A docker client without an engine is common (the engine runs elsewhere
 * or not at all), so being on PATH is not enough to prefer it.
 */
export async function resolveContainerCli(requested?: string, env: NodeJS.ProcessEnv = process.env): Promise<ContainerCli> {
  if (requested !== undefined) {
    const name = requested.trim().toLowerCase();
    if (!(NAMES as readonly string[]).includes(name)) {
      throw new UserError(`unknown container provider "${requested}"`, { fix: 'use --container-provider docker or --container-provider podman' });
    }
    const file = findOnPath(name, env);
    if (!file) throw notInstalled(`${name} (from --container-provider) is not installed or not on PATH`);
    return { name: name as ContainerCliName, file };
  }
  const docker = findOnPath('docker', env);
  const podman = findOnPath('podman', env);
  if (docker && (!podman || (await isDockerEngineReachable(docker, env)))) return { name: 'docker', file: docker };
  if (podman) return { name: 'podman', file: podman };
  throw notInstalled('neither docker nor podman is installed');
}

function notInstalled(reason: string): UserError {
  return new UserError(reason, {
    fix: 'install Docker (with a running engine) or Podman (Debian: apt-get install podman buildah), or pick one with --container-provider',
  });
}

async function isDockerEngineReachable(file: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const exit = await runProgram({ file, args: ['version', '--format', '{{.Server.Version}}'], env, captureStdout: true }).exited;
  return exit.exitCode === 0 && exit.stdout.trim() !== '';
}

export interface CliCall {
  args: string[];
  env?: NodeJS.ProcessEnv;
  input?: string;
  onLine?: (line: string) => void;
  captureStdout?: boolean;
  /** `inherit`: the CLI writes to this process's stdout/stderr itself (a container's own output). */
  output?: 'lines' | 'inherit';
  /** Told the running CLI as soon as it starts (to relay a signal to it). */
  onStart?: (running: RunningProgram) => void;
}

/** Runs the CLI once; every output line goes to `onLine` (stdout and stderr alike, as a terminal would show them). */
export function startCli(cli: ContainerCli, call: CliCall): RunningProgram {
  return runProgram({
    file: cli.file,
    args: call.args,
    env: call.env,
    input: call.input,
    captureStdout: call.captureStdout,
    output: call.output,
    onStdoutLine: call.onLine,
    onStderrLine: call.onLine,
  });
}

/** What docker and podman clients print when their engine (daemon, socket, machine) does not answer. */
const ENGINE_DOWN = /Cannot connect to the Docker daemon|Is the docker daemon running|Cannot connect to Podman|unable to connect to Podman/i;
const ENGINE_DOWN_FIX =
  'start the Docker engine (e.g. `systemctl start docker`), or use Podman: install it (Debian: apt-get install podman buildah) and pass --container-provider podman';

/** Runs the CLI and fails with a UserError quoting its last output lines when it does not exit 0. */
export async function runCli(cli: ContainerCli, call: CliCall & { what: string; fix?: string }): Promise<ProgramExit> {
  const tail: string[] = [];
  const running = startCli(cli, {
    ...call,
    onLine: (line) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      call.onLine?.(line);
    },
  });
  call.onStart?.(running);
  const exit = await running.exited;
  if (exit.startError) throw new UserError(`could not start ${cli.file} to ${call.what}: ${exit.startError.message}`, { fix: 'check the container CLI installation' });
  if (exit.exitCode !== 0) {
    const how = exit.signal ? `was ended by ${exit.signal}` : `exited with code ${exit.exitCode}`;
    const output = call.onLine || tail.length === 0 ? '' : `:\n${tail.join('\n')}`;
    // A client whose engine is not running: nothing was done, and the way out is the machine's, not the output's.
    const engineDown = tail.some((line) => ENGINE_DOWN.test(line));
    throw new UserError(`${cli.name} ${call.args[0]} ${how} (trying to ${call.what})${output}`, {
      exitCode: engineDown ? 2 : 1,
      fix: engineDown ? ENGINE_DOWN_FIX : (call.fix ?? `the output of ${cli.name} above says why`),
    });
  }
  return exit;
}

/** Every `<repository>:<tag>` of local images; podman prefixes images built here with `localhost/`. */
export async function listLocalTags(cli: ContainerCli, repository: string): Promise<string[]> {
  const exit = await runCli(cli, {
    args: ['images', '--format', '{{.Repository}}\t{{.Tag}}'],
    captureStdout: true,
    what: 'list local images',
  });
  const wanted = new Set([repository, `localhost/${repository}`, `docker.io/library/${repository}`]);
  const tags: string[] = [];
  for (const line of exit.stdout.split('\n')) {
    const [repo, tag] = line.trim().split('\t');
    if (repo && tag && tag !== '<none>' && wanted.has(repo)) tags.push(tag);
  }
  return [...new Set(tags)];
}

export async function imageExists(cli: ContainerCli, reference: string): Promise<boolean> {
  const exit = await startCli(cli, { args: ['image', 'inspect', '--format', '{{.Id}}', reference], captureStdout: true }).exited;
  return exit.exitCode === 0;
}
