// `handoff ui serve`'s settings: ui.yml (projects, listen address, accounts, audit log, TLS, sessions, proxy sign-on)
// with command-line flags on top, checked as a whole before anything listens; every problem names its line in ui.yml.
import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { isUserError, UserError, type Diagnostic } from '../../errors.js';
import { expandHome } from '../../home-path.js';
import { CLOUD_PROVIDERS, type CloudProviderName } from '../../project/cloud-providers.js';
import { checkSchemaWith } from '../../project/check-schema.js';
import { checkWrittenForm } from '../../project/check-written-form.js';
import { formatKeyPath } from '../../project/format-key-path.js';
import { parseYamlSource, type YamlSource } from '../../project/parse-yaml-source.js';
import { parseYamlWithPositions } from '../../project/read-positioned-yaml.js';
import { parseDuration } from '../../duration.js';
import { assertWorkspaceApart } from '../../workspace/workspace-paths.js';
import type { Role } from '../api-types.js';
import { ROLES } from '../accounts/roles.js';
import { isAddressOrRange, type ProxyAuthConfig } from './proxy-auth.js';
import { isLoopbackHost } from '../../providers/is-loopback-url.js';
import { secretsDirVar, parseCliVars } from '../../secrets/secrets-dir-var.js';

export interface TeamProjectEntry {
  /** In URLs: `#/p/<id>/runs`. */
  id: string;
  projectDir: string;
  workspaceDir: string;
  stage: string;
  /** The provider of its cloud runs; `none`: workspace runs only; absent: deploy.cloud_provider of project.yml. */
  provider?: CloudProviderName | 'none';
  /** "Run now" in the workspace; absent: on unless the project runs in a cloud (aws, gcp, azure). */
  localRuns?: boolean;
  /** `-v` tokens for the runs started from the page. */
  varTokens: string[];
  secretsDir?: string;
}

export interface TeamConfig {
  /** ui.yml, when one was given. */
  file?: string;
  host: string;
  port: number;
  /** The address users open (behind a proxy: its https URL); its host is accepted and Secure cookies follow from https. */
  publicUrl?: URL;
  /** More Host values to answer to (`host:port`). */
  allowedHosts: string[];
  /** The accounts file; absent: no passwords (proxy sign-on, or the printed token on loopback). */
  usersFile?: string;
  auditLog: string;
  tls?: { cert: string; key: string };
  sessions: { idleMs: number; absoluteMs: number };
  proxyAuth?: ProxyAuthConfig;
  projects: TeamProjectEntry[];
}

/** Flags of `handoff ui serve` that set or override ui.yml's keys. */
export interface TeamFlags {
  config?: string;
  host?: string;
  port?: string;
  users?: string;
  auditLog?: string;
  tlsCert?: string;
  tlsKey?: string;
  publicUrl?: string;
}

const duration = (description: string) =>
  z
    .string()
    .refine((v) => (parseDuration(v) ?? 0) > 0, { message: 'expected a duration such as 90s, 30m, 12h or 7d' })
    .describe(description);

const projectEntrySchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected lower-case letters, digits, - and _ (it is part of URLs)').optional().describe('Id in URLs; default: the folder name.'),
  project: z.string().min(1).describe('The project folder (holds project.yml); relative to ui.yml.'),
  workspace: z.string().min(1).describe('Its workspace folder; relative to ui.yml.'),
  stage: z.string().min(1).default('dev').describe('Stage of the runs and secrets.'),
  provider: z.enum([...CLOUD_PROVIDERS, 'none'] as [string, ...string[]]).optional().describe('Provider of cloud runs; default deploy.cloud_provider; none: workspace runs only.'),
  local_runs: z.boolean().optional().describe('"Run now" in the workspace; default on unless the project runs in a cloud.'),
  vars: z.array(z.union([z.string(), z.number(), z.boolean()])).default([]).describe('`key=value` variables for runs started from the page.'),
});

export const teamConfigSchema = z.object({
  listen: z.string().optional().describe('host:port to listen on (default 127.0.0.1:8080).'),
  public_url: z.string().url().optional().describe('The URL users open, e.g. https://handoff.example.com behind a reverse proxy.'),
  allowed_hosts: z.array(z.string()).default([]).describe('More host:port names the server answers to.'),
  users: z.string().optional().describe('The accounts file (handoff ui user add …).'),
  audit_log: z.string().default('ui-audit.jsonl').describe('The JSON Lines audit log.'),
  tls: z.object({ cert: z.string(), key: z.string() }).optional().describe('PEM certificate and key: serve HTTPS.'),
  sessions: z
    .object({
      idle_timeout: duration('A session ends after this long without requests (default 30m).').default('30m'),
      max_age: duration('A session ends this long after its login (default 12h).').default('12h'),
    })
    .default({ idle_timeout: '30m', max_age: '12h' }),
  proxy_auth: z
    .object({
      header: z.string().regex(/^[A-Za-z0-9-]+$/, 'expected a header name such as X-Forwarded-User'),
      trusted_proxies: z.array(z.string()).min(1),
      default_role: z.enum(ROLES as [Role, ...Role[]]).optional(),
    })
    .optional()
    .describe('Single sign-on: a reverse proxy sets the user name in a header.'),
  projects: z.array(projectEntrySchema).min(1).describe('The projects served.'),
});

type RawTeamConfig = z.output<typeof teamConfigSchema>;

function configError(file: string, diagnostics: Diagnostic[]): UserError {
  const count = diagnostics.filter((d) => d.severity === 'error').length;
  return new UserError(`${file} is not valid (${count} ${count === 1 ? 'problem' : 'problems'})`, { fix: 'fix the keys at the lines listed', diagnostics });
}

/** Reads ui.yml; warnings (unknown keys, with a "did you mean") go to `warn`. */
export function readTeamConfigFile(file: string, warn: (d: Diagnostic) => void): { raw: RawTeamConfig; source: YamlSource } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${file}: ${(error as Error).message}`, { fix: 'give --config the path of your ui.yml' });
  }
  const source = parseYamlSource(text, file, parseYamlWithPositions);
  for (const d of [...source.warnings, ...checkWrittenForm(teamConfigSchema, source)]) warn(d);
  const { value, diagnostics } = checkSchemaWith(teamConfigSchema, source);
  if (!value) throw configError(file, diagnostics);
  return { raw: value, source };
}

function parseListen(text: string): { host: string; port: number } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:]+):(\d+)$/.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port > 65535) return undefined;
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}

/** A folder's name as a project id: lower case, runs of other characters as `-`. */
function slugOf(dir: string): string {
  return path
    .basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+/, '')
    .slice(0, 63);
}

/**
 * Resolves ui.yml and flags into the server's settings, checking everything that can be checked before listening.
 * Without --config, the one project comes from -p, -w and -s.
 */
export function resolveTeamConfig(flags: TeamFlags, single: { projectDir?: string; workspaceDir?: string; stage: string; varTokens: string[] } | undefined, warn: (d: Diagnostic) => void): TeamConfig {
  let raw: RawTeamConfig | undefined;
  let source: YamlSource | undefined;
  const file = flags.config ? path.resolve(expandHome(flags.config, '--config')) : undefined;
  if (file) ({ raw, source } = readTeamConfigFile(file, warn));
  const base = file ? path.dirname(file) : process.cwd();
  const at = (key: (string | number)[]) => (source ? source.locate(key) : undefined);
  const problems: Diagnostic[] = [];
  const problem = (message: string, key: (string | number)[], hint?: string): void => {
    problems.push({ severity: 'error', message, path: formatKeyPath(key), ...(at(key) ? { location: at(key) } : {}), ...(hint ? { hint } : {}) });
  };
  // `~/x` in ui.yml is the home folder, as in a -p or -w the shell left alone; a problem with one is said at its key.
  const resolvePath = (p: string, key: (string | number)[]): string => {
    try {
      return path.resolve(base, expandHome(p, formatKeyPath(key)));
    } catch (error) {
      if (!isUserError(error)) throw error;
      problem(error.message, key, error.fix);
      return path.resolve(base, p);
    }
  };

  let host = '127.0.0.1';
  let port = 8080;
  if (raw?.listen) {
    const listen = parseListen(raw.listen);
    if (listen) ({ host, port } = listen);
    else problem(`listen: "${raw.listen}" is not host:port`, ['listen'], 'e.g. listen: 127.0.0.1:8080');
  }
  if (flags.host !== undefined) host = flags.host;
  if (flags.port !== undefined) {
    const value = Number(flags.port);
    if (!Number.isInteger(value) || value < 0 || value > 65535) throw new UserError(`--port ${flags.port} is not a port number`, { fix: 'give a whole number from 0 to 65535 (0: a free one)' });
    port = value;
  }

  const publicText = flags.publicUrl ?? raw?.public_url;
  let publicUrl: URL | undefined;
  if (publicText !== undefined) {
    try {
      publicUrl = new URL(publicText);
      if (!/^https?:$/.test(publicUrl.protocol)) throw new Error('not http(s)');
    } catch {
      throw new UserError(`public_url "${publicText}" is not an http(s) URL`, { fix: 'e.g. public_url: https://handoff.example.com' });
    }
  }

  const { usersFile, auditLog } = resolveAccountPaths(flags, raw, base);
  const certFile = flags.tlsCert ? path.resolve(expandHome(flags.tlsCert, '--tls-cert')) : raw?.tls ? resolvePath(raw.tls.cert, ['tls', 'cert']) : undefined;
  const keyFile = flags.tlsKey ? path.resolve(expandHome(flags.tlsKey, '--tls-key')) : raw?.tls ? resolvePath(raw.tls.key, ['tls', 'key']) : undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new UserError('TLS needs both a certificate and its key', { fix: 'give both --tls-cert and --tls-key (or tls: {cert, key} in ui.yml)' });
  }
  for (const [what, f] of [['certificate', certFile], ['key', keyFile]] as const) {
    if (f && !fs.existsSync(f)) throw new UserError(`the TLS ${what} ${f} does not exist`, { fix: 'give the path of a PEM file' });
  }

  let proxyAuth: ProxyAuthConfig | undefined;
  if (raw?.proxy_auth) {
    raw.proxy_auth.trusted_proxies.forEach((entry, i) => {
      if (!isAddressOrRange(entry)) problem(`"${entry}" is not an IP address or CIDR range`, ['proxy_auth', 'trusted_proxies', i], 'e.g. 127.0.0.1, 10.0.0.0/8 or ::1');
    });
    proxyAuth = { header: raw.proxy_auth.header, trustedProxies: raw.proxy_auth.trusted_proxies, defaultRole: raw.proxy_auth.default_role };
  }

  const projects: TeamProjectEntry[] = [];
  if (raw) {
    const ids = new Map<string, number>();
    // A workspace's runs are its project's: two projects in one would each show the other's runs, health and Stop.
    const workspaces = new Map<string, number>();
    raw.projects.forEach((entry, i) => {
      const projectDir = resolvePath(entry.project, ['projects', i, 'project']);
      const workspaceDir = resolvePath(entry.workspace, ['projects', i, 'workspace']);
      const id = entry.id ?? (slugOf(projectDir) || `project-${i + 1}`);
      if (!fs.existsSync(path.join(projectDir, 'project.yml'))) problem(`no project.yml in ${projectDir}`, ['projects', i, 'project'], 'point project: at the folder that holds project.yml');
      try {
        assertWorkspaceApart(projectDir, workspaceDir);
      } catch (error) {
        problem((error as Error).message, ['projects', i, 'workspace']);
      }
      const sameWorkspace = workspaces.get(workspaceDir);
      if (sameWorkspace !== undefined) problem(`${entry.workspace} is also the workspace of projects[${sameWorkspace}]`, ['projects', i, 'workspace'], 'give each project its own workspace folder');
      else workspaces.set(workspaceDir, i);
      if (ids.has(id)) problem(`the id "${id}" is used by projects[${ids.get(id)}] too`, ['projects', i, entry.id ? 'id' : 'project'], 'give each project its own id:');
      ids.set(id, i);
      let varTokens = entry.vars.map(String);
      let secretsDir: string | undefined;
      try {
        const vars = parseCliVars(varTokens, `projects[${i}].vars`);
        const given = secretsDirVar(vars);
        if (given !== undefined) {
          secretsDir = path.resolve(base, given);
          // The runs the page starts get the folder the page reads, not one relative to the server's working folder.
          const resolved = secretsDir;
          varTokens = varTokens.map((token) => (/^\s*secrets_dir\s*=/.test(token) ? `secrets_dir=${resolved}` : token));
        }
      } catch (error) {
        problem((error as Error).message, ['projects', i, 'vars']);
      }
      projects.push({ id, projectDir, workspaceDir, stage: entry.stage, provider: entry.provider as TeamProjectEntry['provider'], localRuns: entry.local_runs, varTokens, secretsDir });
    });
  } else {
    if (!single?.projectDir || !single.workspaceDir) {
      throw new UserError('`handoff ui serve` needs projects: a ui.yml, or one project with -p and -w', { fix: 'e.g. handoff ui serve --config ui.yml, or handoff ui serve -p ./project -w ./workspace --users ui-users.json' });
    }
    const projectDir = path.resolve(single.projectDir);
    assertWorkspaceApart(projectDir, single.workspaceDir);
    if (!fs.existsSync(path.join(projectDir, 'project.yml'))) throw new UserError(`no project.yml in ${projectDir}`, { fix: 'point -p at the folder that holds project.yml' });
    const vars = parseCliVars(single.varTokens);
    projects.push({
      id: slugOf(projectDir) || 'project',
      projectDir,
      workspaceDir: path.resolve(single.workspaceDir),
      stage: single.stage,
      varTokens: single.varTokens,
      secretsDir: ((dir) => (dir === undefined ? undefined : path.resolve(dir)))(secretsDirVar(vars)),
    });
  }
  if (problems.length > 0) throw configError(file ?? 'the command line', problems);

  const config: TeamConfig = {
    file,
    host,
    port,
    publicUrl,
    allowedHosts: raw?.allowed_hosts ?? [],
    usersFile,
    auditLog,
    ...(certFile && keyFile ? { tls: { cert: certFile, key: keyFile } } : {}),
    sessions: { idleMs: parseDuration(raw?.sessions.idle_timeout ?? '30m')!, absoluteMs: parseDuration(raw?.sessions.max_age ?? '12h')! },
    proxyAuth,
    projects,
  };
  checkExposure(config);
  return config;
}

/**
 * Where the accounts file and the audit log are: flags first, then ui.yml's keys (relative to it); without ui.yml the
 * audit log sits beside the accounts file. `handoff ui serve` and `handoff ui user` resolve them the same way.
 */
function resolveAccountPaths(flags: TeamFlags, raw: RawTeamConfig | undefined, base: string): { usersFile?: string; auditLog: string } {
  const usersFile = flags.users ? path.resolve(expandHome(flags.users, '--users')) : raw?.users ? path.resolve(base, expandHome(raw.users, 'ui.yml users:')) : undefined;
  const auditBase = raw ? base : usersFile ? path.dirname(usersFile) : process.cwd();
  const auditLog = flags.auditLog ? path.resolve(expandHome(flags.auditLog, '--audit-log')) : path.resolve(auditBase, expandHome(raw?.audit_log ?? 'ui-audit.jsonl', 'ui.yml audit_log:'));
  return { usersFile, auditLog };
}

/** The accounts file and audit log for `handoff ui user …`: --users/--audit-log, or those of --config's ui.yml. */
export function resolveAccountFiles(flags: Pick<TeamFlags, 'config' | 'users' | 'auditLog'>, warn: (d: Diagnostic) => void): { usersFile: string; auditLog: string } {
  const file = flags.config ? path.resolve(expandHome(flags.config, '--config')) : undefined;
  const raw = file ? readTeamConfigFile(file, warn).raw : undefined;
  const { usersFile, auditLog } = resolveAccountPaths(flags, raw, file ? path.dirname(file) : process.cwd());
  if (!usersFile) {
    throw new UserError(file ? `${file} names no accounts file (users:)` : 'which accounts file? give --users FILE or --config ui.yml', {
      fix: file ? 'add e.g. `users: ui-users.json` to ui.yml, or give --users FILE' : 'e.g. handoff ui user add alice --role admin --users ui-users.json',
    });
  }
  return { usersFile, auditLog };
}

/** A server on another address than loopback must know who its users are: accounts, or a proxy that signs them in. */
export function checkExposure(config: TeamConfig): void {
  if (isLoopbackHost(config.host)) return;
  if (config.usersFile || config.proxyAuth) return;
  throw new UserError(`refusing to listen on ${config.host}: anyone who can reach it would see every project, and no accounts are configured`, {
    fix: 'add accounts (users: in ui.yml or --users FILE, then `handoff ui user add NAME --role admin`), or proxy_auth: for a signing-in reverse proxy; or listen on 127.0.0.1',
  });
}
