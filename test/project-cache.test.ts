// `run local` keeps the validated project in the workspace: reruns read it back, any edit is seen at once.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from './helpers/cli.js';
import { findFilesWithPackage, runRecorded } from './helpers/module-recorder.js';

describe('validated-project cache', () => {
  it('reruns use the cached project with the same warnings; an edit or a broken file is read afresh', async () => {
    const yml = `descriptoin: misspelled on purpose
tasks:
  - name: greet
    commands:
      - command: echo first >> greet.txt
`;
    const { projectDir, workspaceDir } = makeProject(yml);
    const run = () => runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    const greetings = () => fs.readFileSync(path.join(workspaceDir, 'greet.txt'), 'utf8').trim().split('\n');
    const cacheFile = path.join(workspaceDir, '.handoff', 'validated-project.bin');

    // The first run creates the workspace after loading the project, so the second one is the first to keep it.
    for (let i = 0; i < 3; i++) {
      const result = await run();
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('project.yml:1: descriptoin: unknown key "descriptoin" is ignored (did you mean "description"?)');
    }
    expect(fs.existsSync(cacheFile)).toBe(true);
    expect(greetings()).toEqual(['first', 'first', 'first']);

    fs.writeFileSync(path.join(projectDir, 'project.yml'), yml.replace('echo first', 'echo second'));
    expect((await run()).code).toBe(0);
    expect(greetings()).toEqual(['first', 'first', 'first', 'second']);

    fs.writeFileSync(path.join(projectDir, 'project.yml'), yml.replace('commands:', 'commands: 3\n    x:'));
    const broken = await run();
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('project.yml has');
    expect(greetings()).toHaveLength(4);
  });

  it('a second YAML document added to a cached project is refused, not hidden by the cache', async () => {
    const yml = 'tasks:\n  - name: greet\n    commands:\n      - command: echo hi >> greet.txt\n';
    const { projectDir, workspaceDir } = makeProject(yml);
    const run = () => runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    for (let i = 0; i < 2; i++) expect((await run()).code).toBe(0);
    expect(fs.existsSync(path.join(workspaceDir, '.handoff', 'validated-project.bin'))).toBe(true);
    fs.appendFileSync(path.join(projectDir, 'project.yml'), '---\ntasks:\n  - name: more\n    commands:\n      - command: echo more\n');
    const refused = await run();
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('project.yml:5:1: a second YAML document starts here; project.yml must be one document');
    expect(fs.readFileSync(path.join(workspaceDir, 'greet.txt'), 'utf8')).toBe('hi\nhi\n');
  });

  it('a rerun of an unchanged project loads neither the YAML readers nor the schema; the first run does', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n  - name: hello\n    commands:\n      - command: echo\n        args: hi\n');
    const parsers = (files: string[]) => ['yaml/', 'js-yaml/', 'zod/'].filter((pkg) => findFilesWithPackage(files, pkg).length > 0);
    const args = ['run', 'local', '-p', projectDir, '-w', workspaceDir];
    const first = await runRecorded(args);
    expect(first.code, first.stderr).toBe(0);
    // A plain project.yml with nothing to locate is read by the line reader: neither js-yaml nor the positional reader
    // (yaml) is loaded.
    expect(parsers(first.loaded)).toEqual(['zod/']);
    // The first run created the workspace after loading; the second keeps the project there, the third reads it back.
    expect((await runRecorded(args)).code).toBe(0);
    const rerun = await runRecorded(args);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(parsers(rerun.loaded)).toEqual([]);
    // node:crypto brings some 17 internal modules, about 1 MB of peak RSS: a run names its temp files without it.
    expect(rerun.builtins).toContain('child_process');
    expect(rerun.builtins).not.toContain('crypto');
  });

  it('loads the positional YAML reader only for a document or a problem that needs it, and then locates as before', async () => {
    const loadsYaml = async (yml: string): Promise<{ loaded: boolean; code: number | null; stderr: string }> => {
      const { projectDir } = makeProject(yml);
      const run = await runRecorded(['config', 'validate', '-p', projectDir]);
      return { loaded: findFilesWithPackage(run.loaded, 'yaml/').length > 0, code: run.code, stderr: run.stderr };
    };
    const plain = await loadsYaml('tasks:\n  - name: a\n    commands:\n      - command: echo hi\n');
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.loaded).toBe(false);
    // Several tasks at several levels, every name distinct: checking their log names locates nothing (each check used
    // to locate every earlier task, which loaded the positional reader and made a 5,000-task validate take a minute).
    const many = await loadsYaml(
      'tasks:\n' +
        ['a', 'b', 'c'].map((n) => `  - name: ${n}\n    commands:\n      - command: echo ${n}\n`).join('') +
        '  - name: group\n    tasks:\n      - name: d\n        pipeline:\n          - command: echo d\n          - fork:\n              - name: e\n                pipeline:\n                  - command: cat\n',
    );
    expect(many.code, many.stderr).toBe(0);
    expect(many.loaded).toBe(false);
    // Anchors are read by the positional reader only.
    const anchored = await loadsYaml('x: &cmd echo hi\ntasks:\n  - name: a\n    commands:\n      - command: *cmd\n');
    expect(anchored.code, anchored.stderr).toBe(0);
    expect(anchored.loaded).toBe(true);
    // A problem in a plain document: read again with positions, to say where.
    const broken = await loadsYaml('tasks:\n  - name: a\n    commands:\n      - command: echo hi\n        venv: nope\n');
    expect(broken.code).toBe(2);
    expect(broken.loaded).toBe(true);
    expect(broken.stderr).toContain('project.yml:5:15: tasks[0].commands[0].venv: venv "nope" is not declared in installs');
    // A template problem found after loading is located too.
    const template = await loadsYaml('tasks:\n  - name: a\n    commands:\n      - command: echo {% if x %}\n');
    expect(template.code).toBe(2);
    expect(template.loaded).toBe(true);
    expect(template.stderr).toMatch(/project\.yml:4:\d+: tasks\[0\]\.commands\[0\]\.command/);
  });

  it('checks the log names of many valid tasks without locating any of them; a clash is still located', async () => {
    // Tasks at every level that writes logs (a task, fork children, foreach sub-tasks): a valid project has nothing to
    // locate, so the positional reader stays unloaded however many tasks there are.
    const tasks = Array.from({ length: 3 }, (_, i) => `  - name: t${i}
    pipeline:
      - command: seq 1 2
      - fork:
          - name: t${i}_a
            pipeline:
              - command: wc -l
  - name: u${i}
    pipeline:
      - command: seq 1 2
      - foreach:
          - name: u${i}_each
            commands:
              - command: "true"
`).join('');
    const { projectDir } = makeProject(`tasks:\n${tasks}`);
    const valid = await runRecorded(['config', 'validate', '-p', projectDir]);
    expect(valid.code, valid.stderr).toBe(0);
    expect(findFilesWithPackage(valid.loaded, 'yaml/')).toEqual([]);
    // A fork child named like an earlier task: the error names the earlier one and its line, as before.
    const clash = makeProject(`tasks:\n${tasks}  - name: late\n    pipeline:\n      - command: seq 1 2\n      - fork:\n          - name: late_a\n            pipeline:\n              - command: wc -l\n          - name: t1_a\n            pipeline:\n              - command: wc -l\n`);
    const refused = await runRecorded(['config', 'validate', '-p', clash.projectDir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('tasks[6].pipeline[1].fork[1].name: task name "t1_a" names the same log files (artifacts/t1_a_stdout.log) as task "t1_a" at tasks[2].pipeline[1].fork[0] (line 20)');
  });
});
