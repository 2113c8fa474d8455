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

  it('in a project with a secrets folder, config validate -s Prod says did you mean -s prod', async () => {
    const { projectDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo a\n', { '.secrets/secrets.yml': '- key: T\n  value: secret-p\n' });
    const r = await runCli(['config', 'validate', '-p', projectDir, '-s', 'Prod']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/did you mean -s prod\? stage names are case-sensitive/g)?.length, r.stderr).toBe(1);
    const dev = await runCli(['config', 'validate', '-p', projectDir]);
    expect(dev.stderr).not.toContain('did you mean');
  });
});
