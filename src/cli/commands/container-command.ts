// `handoff container build|run|push`: thin bodies over src/container, rendering its events and results.
import { stringify } from 'yaml';
import { parseInnerLogLine, type ContainerEvent } from '../../container/container-events.js';
import { readVersionOption } from '../../container/image-version.js';
import { parseEnvTokens } from '../../template/parse-vars.js';
import { createConsoleLog, type ConsoleLog } from '../console-log.js';
import { requireProjectDir, type GlobalOptions } from '../global-options.js';
import { secretsDirVar, parseCliVars } from '../../secrets/secrets-dir-var.js';
import { describeNearStage } from '../../secrets/find-local-secrets-file.js';

const MAX_STEP_TEXT = 160;

function renderContainerEvent(event: ContainerEvent, log: ConsoleLog): void {
  if (event.type === 'log') {
    log.log(event.level, event.message);
  } else if (event.type === 'step') {
    const text = event.instruction.replace(/\s+/g, ' ');
    log.log('info', `Step ${event.step}/${event.total}: ${text.length > MAX_STEP_TEXT ? `${text.slice(0, MAX_STEP_TEXT)}…` : text}`);
  } else {
    // A line the handoff inside the build logged keeps its level (a warning stays a warning); the rest is info.
    const inner = parseInnerLogLine(event.line);
    log.log(inner?.level ?? 'info', `  | ${inner?.text ?? event.line}`);
  }
}

/**
 * Each container command loads project.yml: a refused structure is reported with its template syntax errors, as
 * config validate reports it (loaded on that error path only).
 */
async function withWrittenTemplateProblems<T>(work: Promise<T>): Promise<T> {
  return work.catch(async (error: unknown) => {
    throw await (await import('../add-written-template-problems.js')).addWrittenTemplateProblems(error);
  });
}

function withSecretsDir(options: GlobalOptions): { secretsDir?: string } {
  const secretsDir = readSecretsDir(options);
  return secretsDir !== undefined ? { secretsDir } : {};
}

function printResult(options: GlobalOptions, value: unknown): void {
  process.stdout.write(options.json ? `${JSON.stringify(value, null, 2)}\n` : stringify(value, { lineWidth: 0 }));
}

/** `-v secrets_dir=D`: a secrets folder that must stay out of the image too. */
function readSecretsDir(options: GlobalOptions): string | undefined {
  const vars = parseCliVars(options.vars);
  return secretsDirVar(vars);
}

export async function containerBuildCommand(options: GlobalOptions, flags: { dryRun?: boolean }): Promise<number> {
  const log = createConsoleLog(options.logLevel);
  const { buildImage } = await import('../../container/build-image.js');
  const result = await withWrittenTemplateProblems(buildImage({
    projectDir: requireProjectDir(options),
    workspaceDir: options.workspaceDir,
    secretsDir: readSecretsDir(options),
    containerProvider: options.containerProvider,
    version: readVersionOption(options.vars),
    dryRun: flags.dryRun,
    emit: (event) => renderContainerEvent(event, log),
  }));
  if (flags.dryRun) {
    process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : result.dockerfile);
    return 0;
  }
  log.log('info', `Built ${result.image}`);
  printResult(options, { image: result.image, base_image: result.baseImage.image, container_provider: result.containerCli, dockerfile: result.customDockerfile ? 'container.docker_file' : 'generated' });
  return 0;
}

export async function containerRunCommand(options: GlobalOptions): Promise<number> {
  const log = createConsoleLog(options.logLevel);
  const { explainRuntimeFailure, prepareImageRun, startImageRun } = await import('../../container/run-image.js');
  const envs = parseEnvTokens(options.envs);
  // `-s PROD` for a project without secrets names another store than prod's: warned of as a run warns of it.
  const nearStage = await describeNearStage({ projectDir: requireProjectDir(options), stage: options.stage, ...withSecretsDir(options) });
  if (nearStage) log.log('warning', nearStage);
  const run = await withWrittenTemplateProblems(prepareImageRun({
    projectDir: requireProjectDir(options),
    stage: options.stage,
    envs,
    version: readVersionOption(options.vars),
    containerProvider: options.containerProvider,
    cloudProvider: options.cloudProvider,
    cloudProfile: options.cloudProfile,
    emit: (event) => renderContainerEvent(event, log),
  }));
  log.log('info', `Running ${run.image} with ${run.cli.name} (${run.provider} store, stage ${options.stage})`);
  log.log('debug', `${run.cli.name} ${run.args.join(' ')}`);
  // The last lines the container CLI printed: when the runtime itself fails, they say why.
  const tail: string[] = [];
  // The container CLI relays these to the container, where tini hands them to handoff, which stops its run cleanly.
  let running: ReturnType<typeof startImageRun> | undefined;
  const relay = (signal: NodeJS.Signals): void => running?.signal(signal);
  process.on('SIGINT', relay);
  process.on('SIGTERM', relay);
  try {
    running = startImageRun(run, (line) => {
      tail.push(line);
      if (tail.length > 50) tail.shift();
    });
    const exit = await running.exited;
    if (exit.startError) throw exit.startError;
    const code = exit.exitCode ?? (exit.signal === 'SIGINT' ? 130 : 143);
    log.log(code === 0 ? 'info' : 'error', `Container of ${run.image} exited with code ${code}`);
    const explanation = code === 0 ? undefined : explainRuntimeFailure(tail, run.cli.name);
    if (explanation) log.log('error', `${run.cli.name} could not start the container: ${explanation}`);
    return code;
  } finally {
    process.off('SIGINT', relay);
    process.off('SIGTERM', relay);
    run.dispose();
  }
}

export async function containerPushCommand(options: GlobalOptions): Promise<number> {
  const log = createConsoleLog(options.logLevel);
  const { pushImage } = await import('../../container/push-image.js');
  const result = await withWrittenTemplateProblems(pushImage({
    projectDir: requireProjectDir(options),
    version: readVersionOption(options.vars),
    containerProvider: options.containerProvider,
    cloudProvider: options.cloudProvider,
    cloudProfile: options.cloudProfile,
    emit: (event) => renderContainerEvent(event, log),
  }));
  log.log('info', `Pushed ${result.pushed}${result.digest ? ` (${result.digest})` : ''}`);
  printResult(options, result);
  return 0;
}

