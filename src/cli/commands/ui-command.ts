// `handoff ui`: starts the web UI server, prints its URL (with the access token), and serves until SIGINT/SIGTERM.
import fs from 'node:fs';
import { UserError } from '../../errors.js';
import { checkProjectWorkspace } from '../project-workspace-user.js';
import { spawnDetached } from '../../process/spawn-detached.js';
import { parseEnvTokens } from '../../template/parse-vars.js';
import { describeNearStage } from '../../secrets/find-local-secrets-file.js';
import { loadLocalToken } from '../../ui/local-token.js';
import type { ExplainLoadError } from '../../ui/project-backend.js';
import { startUiServer } from '../../ui/ui-server.js';
import { assertWorkspaceApart } from '../../workspace/workspace-paths.js';
import { createConsoleLog } from '../console-log.js';
import { requireProjectDir, requireWorkspaceDir, type GlobalOptions } from '../global-options.js';
import { secretsDirVar, parseCliVars } from '../../secrets/secrets-dir-var.js';

export interface UiFlags {
  port?: string;
  open?: boolean;
  readOnly?: boolean;
  allowRuns?: boolean;
  newToken?: boolean;
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return 0;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port ${raw} is not a port number`, { fix: 'give a whole number from 1 to 65535, or leave --port out for a free one' });
  return port;
}

/**
 * What the UI's pages say of a project.yml it refuses: the CLI's own report, a refused structure with its template
 * syntax errors (addWrittenTemplateProblems, loaded only when a refusal comes), so the Project page, "Run now"'s reason
 * and `config validate` count the same problems.
 */
export const explainProjectLoadError: ExplainLoadError = async (error) => (await import('../add-written-template-problems.js')).addWrittenTemplateProblems(error);

/** Hands the URL to the desktop's opener; the server keeps serving whether or not a browser shows up. */
export function openInBrowser(url: string, warn: (message: string) => void): void {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  void spawnDetached({ file: opener, args: [url], env: process.env }).exited.then((exit) => {
    if (exit.startError || (exit.exitCode !== null && exit.exitCode !== 0)) warn(`could not open a browser with ${opener} (${exit.startError ?? `exit code ${exit.exitCode}`}); open the URL above yourself`);
  });
}

/**
 * The options of `handoff ui` that are a run's (`--timeout`, `--strict`, `-l`, `-a` with its store's `--cloud-provider`
 * and `--cloud-profile`), as arguments of the `run local` that "Run now" starts; what no run takes is named in
 * `unused`, for a warning: an option listed in the command's help must not be dropped without a word (one the
 * command never uses, --container-provider, is hidden from its help and warned about where every command does so).
 */
export function runFlagsOf(options: GlobalOptions): { flags: string[]; unused: string[] } {
  const flags: string[] = [];
  const unused: string[] = [];
  if (options.timeout !== undefined) flags.push('--timeout', String(options.timeout));
  if (options.strict) flags.push('--strict');
  if (options.logLevel !== 'info') flags.push('-l', options.logLevel);
  if (options.pushArtifacts) {
    flags.push('-a');
    if (options.cloudProvider !== undefined) flags.push('--cloud-provider', options.cloudProvider);
    if (options.cloudProfile !== undefined) flags.push('--cloud-profile', options.cloudProfile);
  } else {
    if (options.cloudProvider !== undefined) unused.push('--cloud-provider is not used by `handoff ui` without -a (it names the store -a pushes to)');
    if (options.cloudProfile !== undefined) unused.push('--cloud-profile is not used by `handoff ui` without -a (it is for the store -a pushes to)');
  }
  return { flags, unused };
}

/** `-e` values for the runs: checked now (exit 2 before anything listens), and refused if a file of lines cannot carry them. */
export function runEnvsOf(options: GlobalOptions): Record<string, string> {
  const envs = parseEnvTokens(options.envs);
  for (const [key, value] of Object.entries(envs)) {
    if (/[\r\n]/.test(key) || /[\r\n]/.test(value)) {
      throw new UserError(`-e ${key.split(/[\r\n]/)[0]}: a value with a line break cannot be passed on to the runs \`handoff ui\` starts`, { fix: 'give the value without line breaks, or put it in project.yml envs or the secrets file' });
    }
  }
  return envs;
}

export async function uiCommand(options: GlobalOptions, flags: UiFlags): Promise<number> {
  const log = createConsoleLog(options.logLevel);
  const projectDir = requireProjectDir(options);
  const workspaceDir = requireWorkspaceDir(options);
  assertWorkspaceApart(projectDir, workspaceDir);
  if (!fs.existsSync(projectDir)) throw new UserError(`the project folder ${projectDir} does not exist`, { fix: 'point -p at the folder that holds project.yml' });
  if (flags.readOnly && flags.allowRuns) throw new UserError('--read-only and --allow-runs were both given', { fix: 'choose one' });
  const vars = parseCliVars(options.vars);
  const runFlags = runFlagsOf(options);
  const envs = runEnvsOf(options);
  const port = parsePort(flags.port);
  // Its pages show the workspace's runs and state: said once here when they are another project's (runs it starts are refused).
  await checkProjectWorkspace(projectDir, workspaceDir, log);
  // The runs it starts take -s: `-s PROD` is warned of once here, as every command that reads -s warns of it.
  const nearStage = await describeNearStage({ projectDir, stage: options.stage, secretsDir: secretsDirVar(vars) });
  if (nearStage) log.log('warning', nearStage);
  // Listen for the signals before the URL is printed: whoever reads the URL may stop us at once.
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  // The same token at every start (kept under HANDOFF_HOME): a tab left open, or a bookmark, works after a restart.
  const access = loadLocalToken({ rotate: flags.newToken });
  if (access.notice) log.log('warning', access.notice);
  const server = await startUiServer({
    token: access.token,
    projectDir,
    workspaceDir,
    stage: options.stage,
    varTokens: options.vars,
    runFlags: runFlags.flags,
    envs,
    secretsDir: secretsDirVar(vars),
    port,
    handoffEntry: process.argv[1],
    readOnly: flags.readOnly,
    allowRuns: flags.allowRuns,
    onError: (error) => log.log('error', `UI request failed: ${(error as Error).stack ?? String(error)}`),
    explainLoadError: explainProjectLoadError,
  });
  if (options.json) process.stdout.write(`${JSON.stringify({ url: server.url, port: server.port })}\n`);
  else process.stdout.write(`handoff UI: ${server.url}\n`);
  log.log('info', `Serving the UI of ${projectDir} (workspace ${workspaceDir}, stage ${options.stage}) on 127.0.0.1:${server.port}; Ctrl-C stops it`);
  for (const message of runFlags.unused) log.log('warning', message);
  const given = [...runFlags.flags, ...(Object.keys(envs).length > 0 ? ['-e', `(${Object.keys(envs).join(', ')})`] : [])];
  if (given.length > 0) log.log('info', `"Run now" starts \`handoff run local\` with ${given.join(' ')}`);
  if (flags.open) openInBrowser(server.url, (message) => log.log('warning', message));

  const signal = await stopped;
  log.log('info', `Received ${signal}: stopping the UI server (runs it started go on)`);
  await server.close();
  // Stopping a server with Ctrl-C is how it is meant to end, not an interrupted job.
  return 0;
}
