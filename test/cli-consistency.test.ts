// The same answers from every command that reads project.yml or -s: all problems at once, the stage hint, prune's scope.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from './helpers/cli.js';

/** A structural problem (task "c" misspells commands) and a template syntax error (line 6), both in one file. */
const BROKEN = `tasks:
  - name: a
    commands:
      - command: echo
        args: "{{ foo"
  - name: c
    comands:
      - command: echo c
`;

describe('a refused structure with template syntax errors, from every command that loads project.yml', () => {
  it('lists the template errors with the structural problems (workspace install, container build, handoff run, cloud plan)', async () => {
    const { projectDir, workspaceDir } = makeProject(BROKEN);
    const file = path.join(projectDir, 'project.yml');
    const home = path.join(workspaceDir, '..', 'home');
    const commands = [
      ['workspace', 'install', '-p', projectDir, '-w', workspaceDir],
      ['container', 'build', '--dry-run', '-p', projectDir],
      ['run', '-p', projectDir, '-w', workspaceDir],
      ['cloud', 'plan', '-p', projectDir],
    ];
    for (const args of commands) {
      const r = await runCli(args, { env: { HANDOFF_HOME: home } });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).toContain('has 2 problems');
      expect(r.stderr, args.join(' ')).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:\\d+: tasks\\[0\\]\\.commands\\[0\\]\\.args: expected variable end`));
      expect(r.stderr, args.join(' ')).toMatch(/task "c" has none of/);
      expect(fs.existsSync(workspaceDir), args.join(' ')).toBe(false);
    }
  });

  it('lists them too from schedule list, files get local and cloud schedule list', async () => {
    const { projectDir, workspaceDir } = makeProject(BROKEN);
    const file = path.join(projectDir, 'project.yml');
    const home = path.join(workspaceDir, '..', 'home');
    const commands = [
      ['schedule', 'list', '-p', projectDir],
      ['files', 'get', 'local', '-p', projectDir, '-w', workspaceDir],
      ['cloud', 'schedule', 'list', '-p', projectDir],
    ];
    for (const args of commands) {
      const r = await runCli(args, { env: { HANDOFF_HOME: home } });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).toContain('has 2 problems');
      expect(r.stderr, args.join(' ')).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:\\d+: tasks\\[0\\]\\.commands\\[0\\]\\.args: expected variable end`));
      expect(r.stderr, args.join(' ')).toMatch(/task "c" has none of/);
      expect(fs.existsSync(workspaceDir), args.join(' ')).toBe(false);
    }
  });

  it('lists them too from runs prune -p, which writes in the workspace (its project must load)', async () => {
    const { projectDir, workspaceDir } = makeProject(BROKEN);
    const file = path.join(projectDir, 'project.yml');
    fs.mkdirSync(path.join(workspaceDir, 'runs'), { recursive: true });
    const r = await runCli(['runs', 'prune', '--keep', '0', '-y', '-p', projectDir, '-w', workspaceDir]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('has 2 problems');
    expect(r.stderr).toContain(`${file}:5:15: tasks[0].commands[0].args: expected variable end`);
    expect(r.stderr).toMatch(/task "c" has none of/);
  });
});

describe('-s near a known stage, from every command that reads -s', () => {
  it('warns -s PROD is not prod (did you mean) in a project without secrets: config validate, workspace install, cloud plan', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo a\n');
    const home = path.join(workspaceDir, '..', 'home');
    const commands = [
      ['config', 'validate', '-p', projectDir],
      ['workspace', 'install', '-p', projectDir, '-w', workspaceDir],
      ['cloud', 'plan', '-p', projectDir],
    ];
    for (const args of commands) {
      const upper = await runCli([...args, '-s', 'PROD'], { env: { HANDOFF_HOME: home } });
      expect(upper.stderr.match(/did you mean -s prod\? stage names are case-sensitive/g)?.length, `${args.join(' ')}: ${upper.stderr}`).toBe(1);
      expect(upper.stderr).toContain('stage "PROD" is neither dev nor prod');
      const typo = await runCli([...args, '-s', 'prdo'], { env: { HANDOFF_HOME: home } });
      expect(typo.stderr.match(/did you mean -s prod\?/g)?.length, `${args.join(' ')}: ${typo.stderr}`).toBe(1);
      for (const stage of ['staging', 'dev', 'prod']) {
        const r = await runCli([...args, '-s', stage], { env: { HANDOFF_HOME: home } });
        expect(r.stderr, `${args.join(' ')} -s ${stage}`).not.toContain('did you mean');
      }
    }
  });

  it('warns it from schedule list, files get local and cloud schedule list too', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo a\n');
    const home = path.join(workspaceDir, '..', 'home');
    const commands = [
      ['schedule', 'list', '-p', projectDir],
      ['files', 'get', 'local', '-p', projectDir, '-w', workspaceDir],
      ['cloud', 'schedule', 'list', '-p', projectDir],
    ];
    for (const args of commands) {
      const upper = await runCli([...args, '-s', 'PROD'], { env: { HANDOFF_HOME: home } });
      expect(upper.stderr.match(/did you mean -s prod\? stage names are case-sensitive/g)?.length, `${args.join(' ')}: ${upper.stderr}`).toBe(1);
      expect(upper.stderr).toContain('stage "PROD" is neither dev nor prod');
      const typo = await runCli([...args, '-s', 'prdo'], { env: { HANDOFF_HOME: home } });
      expect(typo.stderr.match(/did you mean -s prod\?/g)?.length, `${args.join(' ')}: ${typo.stderr}`).toBe(1);
      for (const stage of ['staging', 'prod']) {
        const r = await runCli([...args, '-s', stage], { env: { HANDOFF_HOME: home } });
        expect(r.stderr, `${args.join(' ')} -s ${stage}`).not.toContain('did you mean');
      }
    }
  });

  it('in a project with a secrets folder, config validate -s Prod says did you mean -s prod', async () => {
    const { projectDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo a\n', { '.secrets/secrets.yml': '- key: T\n  value: secret-p\n' });
    const r = await runCli(['config', 'validate', '-p', projectDir, '-s', 'Prod']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/did you mean -s prod\? stage names are case-sensitive/g)?.length, r.stderr).toBe(1);
    const dev = await runCli(['config', 'validate', '-p', projectDir]);
    expect(dev.stderr).not.toContain('did you mean');
  });
});

describe('runs prune in a history of two projects', () => {
  it('without -p refuses, naming both projects and the -p fix; with -p prunes that project\'s runs only', async () => {
    const a = makeProject('tasks:\n- name: a\n  commands:\n  - command: "true"\n');
    const b = makeProject('tasks:\n- name: b\n  commands:\n  - command: "true"\n');
    const ws = a.workspaceDir;
    expect((await runCli(['run', 'local', '-p', a.projectDir, '-w', ws])).code).toBe(0);
    // Handed over (the owner's record removed, as the refusal's fix says): B runs there next.
    fs.rmSync(path.join(ws, '.handoff', 'owner.json'));
    const bRun = await runCli(['run', 'local', '-p', b.projectDir, '-w', ws]);
    expect(bRun.code, bRun.stderr).toBe(0);
    const records = (): { project: { dir: string } }[] =>
      fs.readdirSync(path.join(ws, 'runs')).filter((n) => n.endsWith('.json')).map((n) => JSON.parse(fs.readFileSync(path.join(ws, 'runs', n), 'utf8')) as { project: { dir: string } });
    expect(records()).toHaveLength(2);
    const refused = await runCli(['runs', 'prune', '--keep', '0', '-y', '-w', ws]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(a.projectDir);
    expect(refused.stderr).toContain(b.projectDir);
    // The fix names the project of the latest run, B (the owner since the hand-over).
    expect(refused.stderr).toContain(`-p ${b.projectDir}`);
    expect(refused.stderr).toMatch(/fix: .*runs prune .*-p /);
    expect(records()).toHaveLength(2);
    const scoped = await runCli(['runs', 'prune', '--keep', '0', '-y', '-w', ws, '-p', b.projectDir]);
    expect(scoped.code, scoped.stderr).toBe(0);
    expect(records().map((r) => r.project.dir)).toEqual([a.projectDir]);
    // A history of one project is pruned without -p, as before.
    const single = makeProject('tasks:\n- name: s\n  commands:\n  - command: "true"\n');
    expect((await runCli(['run', 'local', '-p', single.projectDir, '-w', single.workspaceDir])).code).toBe(0);
    const plain = await runCli(['runs', 'prune', '--keep', '0', '-y', '-w', single.workspaceDir]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(fs.readdirSync(path.join(single.workspaceDir, 'runs')).filter((n) => n.endsWith('.json'))).toHaveLength(0);
  });
});
