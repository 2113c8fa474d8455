// `handoff ui`: starts the web UI server, prints its URL (with the access token), and serves until SIGINT/SIGTERM.
import fs from 'node:fs';
import { UserError } from '../../errors.js';
import { spawnDetached } from '../../process/spawn-detached.js';
import { parseVarTokens } from '../../template/parse-vars.js';
import { startUiServer } from '../../ui/ui-server.js';
import { assertWorkspaceApart } from '../../workspace/workspace-paths.js';
import { createConsoleLog } from '../console-log.js';
import { requireProjectDir, requireWorkspaceDir, type GlobalOptions } from '../global-options.js';

export interface UiFlags {
  port?: string;
  open?: boolean;
  readOnly?: boolean;
  allowRuns?: boolean;
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return 0;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port ${raw} is not a port number`, { fix: 'give a whole number from 1 to 65535, or leave --port out for a free one' });
  return port;
}

/** Hands the URL to the desktop's opener; the server keeps serving whether or not a browser shows up. */
export function openInBrowser(url: string, warn: (message: string) => void): void {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  void spawnDetached({ file: opener, args: [url], env: process.env }).exited.then((exit) => {
    if (exit.startError || (exit.exitCode !== null && exit.exitCode !== 0)) warn(`could not open a browser with ${opener} (${exit.startError ?? `exit code ${exit.exitCode}`}); open the URL above yourself`);
  });
}

export async function uiCommand(options: GlobalOptions, flags: UiFlags): Promise<number> {
  const log = createConsoleLog(options.logLevel);
  const projectDir = requireProjectDir(options);
  const workspaceDir = requireWorkspaceDir(options);
  assertWorkspaceApart(projectDir, workspaceDir);
  if (!fs.existsSync(projectDir)) throw new UserError(`the project folder ${projectDir} does not exist`, { fix: 'point -p at the folder that holds project.yml' });
  if (flags.readOnly && flags.allowRuns) throw new UserError('--read-only and --allow-runs were both given', { fix: 'choose one' });
  const vars = parseVarTokens(options.vars, '-v');
  // Listen for the signals before the URL is printed: whoever reads the URL may stop us at once.
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const server = await startUiServer({
    projectDir,
    workspaceDir,
    stage: options.stage,
    varTokens: options.vars,
    secretsDir: typeof vars.secrets_dir === 'string' ? vars.secrets_dir : undefined,
    port: parsePort(flags.port),
    handoffEntry: process.argv[1],
    readOnly: flags.readOnly,
    allowRuns: flags.allowRuns,
    onError: (error) => log.log('error', `UI request failed: ${(error as Error).stack ?? String(error)}`),
  });
  if (options.json) process.stdout.write(`${JSON.stringify({ url: server.url, port: server.port })}\n`);
  else process.stdout.write(`handoff UI: ${server.url}\n`);
  log.log('info', `Serving the UI of ${projectDir} (workspace ${workspaceDir}, stage ${options.stage}) on 127.0.0.1:${server.port}; Ctrl-C stops it`);
  if (flags.open) openInBrowser(server.url, (message) => log.log('warning', message));

  const signal = await stopped;
  log.log('info', `Received ${signal}: stopping the UI server (runs it started go on)`);
  await server.close();
  // Stopping a server with Ctrl-C is how it is meant to end, not an interrupted job.
  return 0;
}
