import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../errors.js';
import { UserError } from '../../errors.js';
import { resolveTeamConfig } from './team-config.js';

function folder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-uiyml-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const PROJECT = 'tasks:\n- name: t\n  commands:\n  - command: echo hi\n';

function load(yml: string, flags: Record<string, string> = {}): { config: ReturnType<typeof resolveTeamConfig>; warnings: Diagnostic[]; dir: string } {
  const dir = folder({ 'ui.yml': yml, 'projects/orders/project.yml': PROJECT, 'projects/Shop Sales/project.yml': PROJECT });
  const warnings: Diagnostic[] = [];
  const config = resolveTeamConfig({ config: path.join(dir, 'ui.yml'), ...flags }, undefined, (d) => warnings.push(d));
  return { config, warnings, dir };
}

function problemsOf(yml: string, flags: Record<string, string> = {}): string[] {
  try {
    load(yml, flags);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    const e = error as UserError;
    return [e.message, ...e.diagnostics.map((d) => `${d.location?.line ?? '-'}: ${d.path}: ${d.message}`)];
  }
  throw new Error('expected the config to be refused');
}

describe('ui.yml', () => {
  it('resolves paths against its folder, applies defaults, and names projects by folder', () => {
    const { config, warnings, dir } = load(`listen: 127.0.0.1:9000
users: accounts.json
sessions: {idle_timeout: 15m}
projects:
  - project: projects/orders
    workspace: ws/orders
    stage: prod
    provider: none
    vars: [batch=5]
  - project: projects/Shop Sales
    workspace: /tmp/handoff-shop-ws
`);
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 9000,
      usersFile: path.join(dir, 'accounts.json'),
      auditLog: path.join(dir, 'ui-audit.jsonl'),
      sessions: { idleMs: 15 * 60_000, absoluteMs: 12 * 3_600_000 },
    });
    expect(config.projects.map((p) => [p.id, p.projectDir, p.workspaceDir, p.stage, p.provider ?? '-', p.varTokens])).toEqual([
      ['orders', path.join(dir, 'projects/orders'), path.join(dir, 'ws/orders'), 'prod', 'none', ['batch=5']],
      ['shop-sales', path.join(dir, 'projects/Shop Sales'), '/tmp/handoff-shop-ws', 'dev', '-', []],
    ]);
  });

  it('flags win over ui.yml', () => {
    const { config } = load('listen: 127.0.0.1:9000\nprojects:\n  - {project: projects/orders, workspace: ws}\n', { port: '0', users: '/tmp/other-users.json', auditLog: '/tmp/other-audit.jsonl' });
    expect(config).toMatchObject({ port: 0, usersFile: '/tmp/other-users.json', auditLog: '/tmp/other-audit.jsonl' });
  });

  it('warns about unknown keys with a "did you mean"', () => {
    const { warnings } = load('projects:\n  - {project: projects/orders, workspace: ws, stgae: prod}\nsesions: {}\n');
    expect(warnings.map((w) => `${w.location?.line}: ${w.message} ${w.hint ?? ''}`)).toEqual([
      expect.stringMatching(/^2: unknown key "stgae".*stage/),
      expect.stringMatching(/^3: unknown key "sesions".*sessions/),
    ]);
  });

  it('suggests the value a misspelt provider was meant to be', () => {
    try {
      load('projects:\n  - {project: projects/orders, workspace: ws, provider: azur}\n');
      throw new Error('expected the config to be refused');
    } catch (error) {
      const d = (error as UserError).diagnostics[0];
      expect(`${d.location?.line}: ${d.path}: ${d.message} (${d.hint})`).toMatch(/^2: projects\[0\]\.provider: found the text "azur"; expected one of .*"azure".* \(did you mean "azure"\?\)$/);
    }
  });

  it('reports every problem at once with its line: types, durations, missing folders, duplicate ids, proxies', () => {
    const problems = problemsOf(`listen: 127.0.0.1:9000
projects:
  - project: projects/orders
    workspace: ws/a
  - project: projects/nowhere
    workspace: ws/b
    id: orders
  - project: projects/orders
    workspace: projects/orders
    id: third
  - project: projects/Shop Sales
    workspace: ./ws/a
proxy_auth:
  header: X-Forwarded-User
  trusted_proxies: [127.0.0.1, proxy.example.com]
`);
    expect(problems[0]).toContain('ui.yml is not valid (5 problems)');
    expect(problems.slice(1)).toEqual([
      expect.stringMatching(/^15: proxy_auth\.trusted_proxies\[1\]: "proxy\.example\.com" is not an IP address/),
      expect.stringMatching(/^5: projects\[1\]\.project: no project\.yml in .*nowhere/),
      expect.stringMatching(/^7: projects\[1\]\.id: the id "orders" is used by projects\[0\] too/),
      expect.stringMatching(/^9: projects\[2\]\.workspace: the workspace folder .* is the project folder/),
      // The same folder written another way is still the same workspace.
      expect.stringMatching(/^12: projects\[3\]\.workspace: \.\/ws\/a is also the workspace of projects\[0\]/),
    ]);
    expect(problemsOf('sessions: {idle_timeout: soon}\nprojects: []\n').join('\n')).toMatch(/1: sessions\.idle_timeout: .*duration[\s\S]*2: projects: .*at least 1/);
  });

  it('refuses a non-loopback address without accounts or proxy sign-on, and TLS without its key', () => {
    expect(() => load('listen: 0.0.0.0:8080\nprojects:\n  - {project: projects/orders, workspace: ws}\n')).toThrow(/refusing to listen on 0\.0\.0\.0/);
    expect(() => load('projects:\n  - {project: projects/orders, workspace: ws}\n', { host: '10.1.2.3' })).toThrow(/no accounts are configured/);
    expect(load('listen: 0.0.0.0:8080\nusers: u.json\nprojects:\n  - {project: projects/orders, workspace: ws}\n').config.host).toBe('0.0.0.0');
    expect(load('listen: 0.0.0.0:8080\nproxy_auth: {header: X-User, trusted_proxies: [10.0.0.1]}\nprojects:\n  - {project: projects/orders, workspace: ws}\n').config.proxyAuth?.header).toBe('X-User');
    expect(() => load('projects:\n  - {project: projects/orders, workspace: ws}\n', { tlsCert: '/tmp/cert.pem' })).toThrow(/both a certificate and its key/);
  });
});
