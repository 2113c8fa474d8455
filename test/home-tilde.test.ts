// A `~` the shell did not expand (`--workspace-dir=~/ws`, a quoted `-v secrets_dir=~/x`, HANDOFF_HOME='~/h') is the
// home folder, never a folder named `~` in the current one (docs10 review, finding 4).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir, runCli } from './helpers/cli.js';

const PROJECT = [
  'envs:',
  '  - key: TOKEN',
  'tasks:',
  '  - name: t',
  '    commands:',
  '      - command: sh',
  '        args: -c \'test "$TOKEN" = abc\'',
  'deploy:',
  '  cloud_provider: local',
  '  resource_group: rg',
  '  task: tk',
  '',
].join('\n');

/** A fake home (HOME is what os.homedir() reads) holding the project and a secrets folder, and a separate cwd. */
function setUp(): { home: string; cwd: string; env: NodeJS.ProcessEnv } {
  const home = makeTempDir('handoff-home-');
  const cwd = makeTempDir('handoff-cwd-');
  fs.mkdirSync(path.join(home, 'proj'));
  fs.writeFileSync(path.join(home, 'proj', 'project.yml'), PROJECT);
  fs.mkdirSync(path.join(home, 'sec'));
  fs.writeFileSync(path.join(home, 'sec', 'dev_secrets.yml'), '- key: TOKEN\n  value: abc\n');
  return { home, cwd, env: { HOME: home, HANDOFF_HOME: path.join(home, '.handoff') } };
}

describe('a leading ~ the shell left alone', () => {
  it('--project-dir=~/p, --workspace-dir=~/w and a quoted -v secrets_dir=~/s are under the home folder', async () => {
    const { home, cwd, env } = setUp();
    const r = await runCli(['run', 'local', '--project-dir=~/proj', '--workspace-dir=~/ws', '-v', 'secrets_dir=~/sec'], { cwd, env });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(home, 'ws', 'runs'))).toBe(true);
    expect(fs.existsSync(path.join(cwd, '~'))).toBe(false);
  });

  it('-v secrets_dir=~/s in a vars file (no shell expands it) is under the home folder', async () => {
    const { home, cwd, env } = setUp();
    fs.writeFileSync(path.join(cwd, 'vars.txt'), 'secrets_dir=~/sec\n');
    const r = await runCli(['run', 'local', '-p', path.join(home, 'proj'), '-w', path.join(home, 'ws'), '-v', 'vars.txt'], { cwd, env });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(cwd, '~'))).toBe(false);
  });

  it("HANDOFF_HOME='~/h' puts the local store under the home folder", async () => {
    const { home, cwd, env } = setUp();
    const r = await runCli(['cloud', 'bucket', 'create', '-p', path.join(home, 'proj')], { cwd, env: { ...env, HANDOFF_HOME: '~/hh' } });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readdirSync(path.join(home, 'hh', 'buckets'))).toHaveLength(1);
    expect(fs.existsSync(path.join(cwd, '~'))).toBe(false);
  });
});

describe('~user/ and the team server files', () => {
  it("~<this user>/p is this user's home (as the shell reads it); ~<another user>/p is refused with the fix, nothing made", async () => {
    const { cwd, env } = setUp();
    const me = os.userInfo();
    const mine = await runCli(['run', 'local', `--project-dir=~${me.username}/no-such-project-cli11`, '-w', path.join(cwd, 'ws')], { cwd, env });
    expect(mine.code, mine.stderr).toBe(2);
    expect(mine.stderr).toContain(path.join(me.homedir, 'no-such-project-cli11', 'project.yml'));
    const other = await runCli(['run', 'local', '-p', path.join(cwd, 'p'), '--workspace-dir=~nosuchuser-cli11/ws'], { cwd, env });
    expect(other.code, other.stderr).toBe(2);
    expect(other.stderr).toContain('error: -w "~nosuchuser-cli11/ws" starts with ~nosuchuser-cli11');
    expect(other.stderr).toMatch(/fix: write the folder's full path/);
    expect(fs.readdirSync(cwd)).toEqual([]);
  });

  it('--config=~/ui.yml, --users=~/… and ui.yml\'s users:/audit_log: ~/… are under the home folder', async () => {
    const { home, cwd, env } = setUp();
    fs.writeFileSync(path.join(home, 'ui.yml'), 'users: ~/accounts/users.json\naudit_log: ~/accounts/audit.jsonl\nprojects:\n  - project: ~/proj\n    workspace: ~/ws\n');
    fs.mkdirSync(path.join(home, 'accounts'));
    const viaConfig = await runCli(['ui', 'user', 'add', 'alice', '--role', 'admin', '--no-password', '--config=~/ui.yml'], { cwd, env });
    expect(viaConfig.code, viaConfig.stderr).toBe(0);
    expect(fs.readFileSync(path.join(home, 'accounts', 'users.json'), 'utf8')).toContain('alice');
    expect(fs.existsSync(path.join(home, 'accounts', 'audit.jsonl'))).toBe(true);
    const viaFlags = await runCli(['ui', 'user', 'add', 'bob', '--role', 'viewer', '--no-password', '--users=~/u2.json', '--audit-log=~/a2.jsonl'], { cwd, env });
    expect(viaFlags.code, viaFlags.stderr).toBe(0);
    expect(fs.readFileSync(path.join(home, 'u2.json'), 'utf8')).toContain('bob');
    expect(fs.existsSync(path.join(home, 'a2.jsonl'))).toBe(true);
    expect(fs.existsSync(path.join(cwd, '~'))).toBe(false);
  });
});
