// `handoff ui serve`: the web UI as a team server (ui.yml or -p/-w), until SIGINT/SIGTERM.
import path from 'node:path';
import { formatDiagnostic } from '../../errors.js';
import { loadLocalToken } from '../../ui/local-token.js';
import { formatHost, startTeamServer, teamAuthMode } from '../../ui/team-server.js';
import { teamSessionsFile } from '../../ui/team/session-file.js';
import { resolveTeamConfig, type TeamFlags } from '../../ui/team/team-config.js';
import { createConsoleLog } from '../console-log.js';
import { checkProjectWorkspace } from '../project-workspace-user.js';
import type { GlobalOptions } from '../global-options.js';
import { explainProjectLoadError, openInBrowser } from './ui-command.js';
import { describeNearStage } from '../../secrets/find-local-secrets-file.js';
import { plural } from '../../plural.js';

export interface UiServeFlags extends TeamFlags {
  open?: boolean;
  readOnly?: boolean;
  allowRuns?: boolean;
  newToken?: boolean;
}

export async function uiServeCommand(options: GlobalOptions, flags: UiServeFlags): Promise<number> {
  const log = createConsoleLog(options.logLevel);
  const config = resolveTeamConfig(flags, { projectDir: options.projectDir, workspaceDir: options.workspaceDir, stage: options.stage, varTokens: options.vars }, (d) =>
    log.log('warning', formatDiagnostic(d).replace(/^warning: /, '')),
  );
  // Its pages show each workspace's runs and state: said once here when they are another project's, as `handoff ui`
  // says it (runs it starts there are refused). A ui.yml entry is named by its id and keys rather than -p/-w.
  for (const entry of config.projects) {
    const given = config.file ? { project: 'project:', workspace: 'workspace:', prefix: `${path.basename(config.file)} project "${entry.id}": ` } : undefined;
    await checkProjectWorkspace(entry.projectDir, entry.workspaceDir, log, undefined, given);
    // A stage near a known one (`PROD`), warned of once per project as every command that reads -s warns of it; a
    // ui.yml entry's comes from its stage: key, so the hint names that key.
    const nearStage = await describeNearStage({ projectDir: entry.projectDir, stage: entry.stage, ...(entry.secretsDir !== undefined ? { secretsDir: entry.secretsDir } : {}) });
    if (nearStage) log.log('warning', given ? `${given.prefix}${nearStage.replace(/did you mean -s /, 'did you mean stage: ')}` : nearStage);
  }
  // Listen for the signals before the URL is printed: whoever reads the URL may stop us at once.
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  // Without accounts, the same token at every start (kept under HANDOFF_HOME, apart from `handoff ui`'s): a tab left
  // open, or a bookmark, works after a restart. With accounts or proxy sign-on, the sessions are kept there instead
  // (one file per accounts file); --new-token ends them all, as it makes URLs with the old token stop working.
  let token: string | undefined;
  let sessionKeeping: { file: string; server: string; forgetAll?: boolean } | undefined;
  if (teamAuthMode(config) === 'token') {
    const access = loadLocalToken({ rotate: flags.newToken, team: true });
    if (access.notice) log.log('warning', access.notice);
    token = access.token;
  } else {
    const server = config.usersFile ?? config.file ?? config.auditLog;
    sessionKeeping = { file: teamSessionsFile(server), server, forgetAll: flags.newToken };
  }
  const server = await startTeamServer({
    config,
    token,
    handoffEntry: process.argv[1],
    readOnly: flags.readOnly,
    sessionKeeping,
    onError: (error) => log.log('error', `UI request failed: ${(error as Error).stack ?? String(error)}`),
    onNotice: (message) => log.log('warning', message),
    explainLoadError: explainProjectLoadError,
  });
  if (options.json) process.stdout.write(`${JSON.stringify({ url: server.url, port: server.port, auth: server.auth })}\n`);
  else process.stdout.write(`handoff UI server: ${server.url}\n`);
  const how =
    server.auth === 'token'
      ? 'with the access token in the URL (no accounts: loopback only)'
      : [config.usersFile ? `accounts in ${config.usersFile}` : undefined, config.proxyAuth ? `sign-on through the proxy header ${config.proxyAuth.header}` : undefined].filter(Boolean).join(' and ');
  log.log('info', `Serving ${plural(config.projects.length, 'project')} on ${config.tls ? 'https' : 'http'}://${formatHost(config.host, server.port)}, ${how}; audit log ${config.auditLog}; Ctrl-C stops it`);
  if (flags.open) openInBrowser(server.url, (message) => log.log('warning', message));

  const signal = await stopped;
  log.log('info', `Received ${signal}: stopping the UI server (runs it started go on)`);
  await server.close();
  return 0;
}
