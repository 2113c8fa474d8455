// `container build`: the project's image, tagged `<name>:<next version>`, built by docker or podman (SPEC §7).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { killProcessGroup } from '../process/kill-process-group.js';
import type { RunningProgram } from '../process/run-program.js';
import { loadProject } from '../project/load-project.js';
import type { Project } from '../project/types.js';
import { VERSION } from '../version.js';
import { assembleBuildContext } from './assemble-build-context.js';
import { chooseBaseImage, needsOfflineBaseCheck, DEFAULT_BASE_IMAGE, type BaseImageChoice } from './base-image.js';
import { CONTEXT } from './context-layout.js';
import { imageExists, listLocalTags, resolveContainerCli, runCli, type ContainerCli } from './container-cli.js';
import { parseBuildStep, type EmitContainerEvent } from './container-events.js';
import { createInstallProjects } from './create-install-projects.js';
import { findFilesInstallsUse } from './files-installs-use.js';
import { generateDockerfile } from './generate-dockerfile.js';
import { resolveImageName } from './image-name.js';
import { PROJECT_LABEL, projectLabel } from './image-project.js';
import { findNextVersion, IMAGE_TAG, isVersionTag } from './image-version.js';
import { findSecretReferences, splitInstallsBySecrets } from './secret-references.js';

export interface BuildImageOptions {
  projectDir: string;
  /** The workspace (-w): left out of the context when it sits inside the project. */
  workspaceDir?: string;
  /** `-v secrets_dir=`: left out of the context too. */
  secretsDir?: string;
  /** `--container-provider`. */
  containerProvider?: string;
  /** `-v version=`: this tag instead of the next one. */
  version?: string;
  /** Write the Dockerfile and context, build nothing. */
  dryRun?: boolean;
  env?: NodeJS.ProcessEnv;
  /** handoff's package folder; found from this file's location when absent. */
  handoffRoot?: string;
  emit: EmitContainerEvent;
}

export interface BuildImageResult {
  /** `<name>:<version>` */
  image: string;
  name: string;
  version: string;
  baseImage: BaseImageChoice;
  /** Undefined for a dry run without a container CLI. */
  containerCli?: ContainerCli['name'];
  /** The Dockerfile used: generated, or container.docker_file's text. */
  dockerfile: string;
  customDockerfile: boolean;
  excluded: { path: string; reason: string }[];
  built: boolean;
}

export async function buildImage(options: BuildImageOptions): Promise<BuildImageResult> {
  const env = options.env ?? process.env;
  const { project, warnings } = await loadProject(options.projectDir);
  for (const w of warnings) options.emit({ type: 'log', level: 'warning', message: `${w.path ? `${w.path}: ` : ''}${w.message}` });
  const name = resolveImageName(project);
  if (options.version !== undefined && !IMAGE_TAG.test(options.version)) {
    throw new UserError(`-v version=${options.version} is not a valid image tag`, { fix: 'use up to 128 letters, digits, _ . and -, not starting with . or -, e.g. 0.3' });
  }

  let cli: ContainerCli | undefined;
  try {
    cli = await resolveContainerCli(options.containerProvider, env);
  } catch (error) {
    if (!options.dryRun) throw error;
  }
  const baseImage = chooseBaseImage({
    project,
    env,
    offlineBaseExists: cli !== undefined && needsOfflineBaseCheck(project, env) ? await imageExists(cli, DEFAULT_BASE_IMAGE) : false,
  });
  let existing: string[] = [];
  try {
    if (cli) existing = await listLocalTags(cli, name);
  } catch (error) {
    // A dry run builds nothing: a client whose engine is down still lets it show the Dockerfile and the context.
    if (!options.dryRun || !(error instanceof UserError)) throw error;
    const why = error.message.split('\n').filter((line) => line.trim() !== '').slice(1).pop() ?? error.message;
    options.emit({ type: 'log', level: 'warning', message: `${cli!.name} could not list local images (${why.trim()}): the version shown assumes there are none` });
  }
  const version = options.version ?? findNextVersion(existing);
  if (options.version !== undefined && existing.includes(options.version) && isVersionTag(options.version)) {
    options.emit({ type: 'log', level: 'warning', message: `${name}:${options.version} exists already; the new image takes over the tag` });
  }

  const secrets = findSecretReferences(project.dir, options.secretsDir);
  // An install whose command uses a secret would run in the build with an empty value (a `pip install` from a
  // private index without its token), and again at every start: it is left to the start, which has the secrets.
  const { kept, needSecrets } = splitInstallsBySecrets(project, secrets.keys);
  for (const { index, install, names } of needSecrets) {
    const uses = names.length > 0 ? `uses the secret ${names.join(', ')}` : `shares venv ${install.venv} with an install that uses a secret`;
    options.emit({
      type: 'log',
      level: 'warning',
      message: `installs[${index}]${install.venv ? ` (venv ${install.venv})` : ''} ${uses}, which an image build does not have: it is not installed in the image, and runs at every container start (handoff run installs it with the secrets)`,
    });
  }
  const imageProject: Project = { ...project, installs: kept };
  const custom = readCustomDockerfile(project);
  const dockerfile = custom ?? generateDockerfile(imageProject, { baseImage: baseImage.image, imageName: name, imageVersion: version, handoffVersion: VERSION });
  const context = assembleBuildContext({
    project,
    handoffRoot: options.handoffRoot ?? findHandoffRoot(),
    dockerfile,
    installProjects: createInstallProjects(imageProject),
    // The generated Dockerfile copies these before the installs; a custom one gets files/ whole, as before.
    installFiles: custom === undefined ? findFilesInstallsUse(imageProject, imageProject.installs) : undefined,
    excludeDirs: [options.workspaceDir, options.secretsDir].filter((d): d is string => d !== undefined),
    // SPEC §4: no secret value in an image. A secret's file may sit anywhere in the project, not only in .secrets/.
    excludePaths: secrets.files.map((f) => ({ path: f.path, reason: `a secret's file, named in ${f.namedIn}` })),
  });
  const image = `${name}:${version}`;
  const result: BuildImageResult = {
    image,
    name,
    version,
    baseImage,
    containerCli: cli?.name,
    dockerfile,
    customDockerfile: custom !== undefined,
    excluded: context.excluded,
    built: false,
  };
  try {
    for (const e of context.excluded) options.emit({ type: 'log', level: 'info', message: `Left out of the image: ${e.path} (${e.reason})` });
    if (options.dryRun || !cli) return result;
    options.emit({
      type: 'log',
      level: 'info',
      message: `Building ${image} with ${cli.name} from ${custom !== undefined ? `container.docker_file ${project.container.docker_file}` : `${baseImage.image} (${baseImage.source})`}`,
    });
    const buildArgs = custom !== undefined ? ['--build-arg', `HANDOFF_BASE_IMAGE=${baseImage.image}`, '--build-arg', `HANDOFF_VERSION=${VERSION}`] : [];
    const stop = stopOnSignals(options.emit, image);
    try {
      await runCli(cli, {
        // The project label goes on the command line so that a container.docker_file's image carries it too.
        args: ['build', '-t', image, '--label', `${PROJECT_LABEL}=${projectLabel(project)}`, '-f', path.join(context.dir, CONTEXT.dockerfile), ...buildArgs, context.dir],
        env,
        what: `build ${image}`,
        fix: 'the build output above says which step failed; fix it (e.g. an install command in project.yml) and build again',
        onStart: stop.attach,
        onLine: (line) => {
          const step = parseBuildStep(line);
          if (step) options.emit({ type: 'step', ...step });
          else options.emit({ type: 'output', line });
        },
      });
    } catch (error) {
      stop.throwIfReceived();
      throw error;
    } finally {
      stop.detach();
    }
    stop.throwIfReceived();
    result.built = true;
    return result;
  } finally {
    context.remove();
  }
}

/** How long the container CLI has to end its build after the signal, before its whole group is killed. */
const BUILD_GRACE_MS = 10_000;

/**
 * Ctrl-C or SIGTERM during the build: the signal goes to the container CLI, which stops its build and removes the
 * build's containers; once it has exited, the context is removed and handoff exits 130/143. Without this, Node died
 * of the signal and the context (a copy of the project) stayed in the temporary folder. A CLI still running after
 * the grace period (HANDOFF_GRACE_SECONDS), or a second signal, kills the CLI's whole process group.
 */
function stopOnSignals(emit: EmitContainerEvent, image: string): { attach(running: RunningProgram): void; detach(): void; throwIfReceived(): void } {
  let running: RunningProgram | undefined;
  let received: NodeJS.Signals | undefined;
  let timer: NodeJS.Timeout | undefined;
  const killGroup = (): void => {
    if (running?.pid !== undefined) killProcessGroup(running.pid, 'SIGKILL');
  };
  const on = (signal: NodeJS.Signals): void => {
    if (received) {
      killGroup();
      return;
    }
    received = signal;
    emit({ type: 'log', level: 'warning', message: `Received ${signal}: stopping the build of ${image}` });
    running?.signal(signal);
    const raw = Number(process.env.HANDOFF_GRACE_SECONDS);
    timer = setTimeout(killGroup, process.env.HANDOFF_GRACE_SECONDS && Number.isFinite(raw) && raw >= 0 ? raw * 1000 : BUILD_GRACE_MS);
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return {
    attach(r) {
      running = r;
      if (received) r.signal(received);
    },
    detach() {
      clearTimeout(timer);
      // The CLI has exited: whatever of its group is left (a step's process it did not wait for) would be an orphan.
      if (received) killGroup();
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    },
    throwIfReceived() {
      if (!received) return;
      throw new UserError(`the build of ${image} was interrupted by ${received}; no image was tagged`, {
        exitCode: received === 'SIGINT' ? 130 : 143,
        fix: 'build again: the install layers that were complete are cached',
      });
    },
  };
}

/** `container.docker_file`'s text, or undefined to generate one. */
function readCustomDockerfile(project: Project): string | undefined {
  const file = project.container.docker_file;
  if (file === undefined) return undefined;
  const full = path.resolve(project.dir, file);
  try {
    return fs.readFileSync(full, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read container.docker_file "${file}" (${full}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      fix: 'point container.docker_file at a Dockerfile, relative to the project folder, or remove it to use the generated one',
    });
  }
}

/** handoff's package folder: the nearest folder above this module whose package.json is handoff's (source or bundle). */
export function findHandoffRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = path.dirname(from);
  for (;;) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'handoff') return dir;
    } catch {
      // No package.json here.
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find handoff's package.json above ${from}`);
    dir = parent;
  }
}
