// What a run loads: no TurboFan while it starts, nothing it does not use (peak RSS is a target of issue #14).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, repoRoot, runCli } from './helpers/cli.js';

/** The functions V8's `--trace-opt` reports optimized by TurboFan, in order. */
function optimizedByTurbofan(traceOutput: string): string[] {
  return [...traceOutput.matchAll(/\[completed optimizing 0x[0-9a-f]+ <JSFunction (\S+) \(sfi = 0x[0-9a-f]+\)> \(target TURBOFAN\)\]/g)].map((m) => m[1]);
}

/** Runs the project three times with `--trace-opt` (and `nodeOptions`); the third reads the validated project back. */
async function traceRerun(projectYml: string, nodeOptions: string[] = []): Promise<string[]> {
  const { projectDir, workspaceDir } = makeProject(projectYml);
  const run = () => runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], { nodeOptions: ['--trace-opt', ...nodeOptions] });
  // The first run creates the workspace after checking project.yml, the second keeps the checked project there (both
  // check it in full, with TurboFan on, as a large project needs).
  for (let i = 0; i < 2; i++) expect((await run()).code).toBe(0);
  const rerun = await run();
  expect(rerun.code, rerun.stderr).toBe(0);
  return optimizedByTurbofan(rerun.stdout);
}

/** A process that writes its stderr line after line as fast as it can: handoff's own code (each line is read, counted
 * for Singer metrics and logged) is what limits the run. */
const CHATTY_STDERR = `tasks:
  - name: chatty
    commands:
      - command: seq 1 200000 >&2
`;

/** A foreach whose lines wait: the run's main thread is idle most of the time. */
const WAITING_FOREACH = `tasks:
  - name: lines
    pipeline:
      - command: seq
        args: 1 60
      - foreach:
          - name: each
            commands:
              - command: sleep
                args: "0.02"
`;

describe('start-up of a run', () => {
  it('loads a run without optimizing its module resolution, which would page TurboFan in for the whole run', async () => {
    const optimized = await traceRerun('tasks:\n  - name: one\n    pipeline:\n      - command: echo\n        args: hi\n      - command: cat\n');
    // Without the hold, resolving the run's bundle files has V8 optimize Node.js's path normalization (normalizeString;
    // getPathFromURLPosix too, when the bundle was made of ES modules).
    expect(optimized).not.toContain('getPathFromURLPosix');
    expect(optimized).not.toContain('normalizeString');
  });

  it('optimizes what runs hot once the run\'s own code is what limits it: 200,000 stderr lines', async () => {
    expect((await traceRerun(CHATTY_STDERR)).length).toBeGreaterThan(5);
  });

  it('keeps TurboFan off through a run whose main thread mostly waits (a foreach of 60 lines that sleep)', async () => {
    // 240 run events: enough for the run to look at its event loop's utilization twice, each time far below busy.
    expect(await traceRerun(WAITING_FOREACH)).toEqual([]);
  });

  it('leaves the tiers alone when node was started with a choice of its own (here: no TurboFan at all)', async () => {
    expect(await traceRerun(CHATTY_STDERR, ['--no-turbofan'])).toEqual([]);
  });
});

describe('built-ins loaded while TurboFan is held', () => {
  // V8 stamps the code cache of Node.js's own modules with its flags: one first loaded after the hold is compiled from
  // its source (child_process with net and dgram, about 11 M instructions). bin/handoff.js loads them before the hold.
  it('a run and config validate load the built-ins they always use before TurboFan is held, not after', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n  - name: one\n    commands:\n      - command: echo hi\n');
    const record = path.join(workspaceDir, '..', 'after-hold.json');
    const watched = { nodeOptions: ['--require', path.join(repoRoot, 'test', 'fixtures', 'record-builtins-after-hold.cjs')], env: { HANDOFF_TEST_AFTER_HOLD: record } };
    const afterHold = (): string[] => {
      const { held, after } = JSON.parse(fs.readFileSync(record, 'utf8')) as { held: boolean; after: string[] | null };
      expect(held).toBe(true);
      return after ?? [];
    };
    const first = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], watched);
    expect(first.code, first.stderr).toBe(0);
    const rerun = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], watched);
    expect(rerun.code, rerun.stderr).toBe(0);
    for (const module of ['child_process', 'internal/child_process', 'net', 'dgram', 'os']) expect(afterHold()).not.toContain(`NativeModule ${module}`);
    const dryRun = await runCli(['run', 'local', '--dry-run', '-p', projectDir, '-w', workspaceDir], watched);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    for (const module of ['child_process', 'net', 'os']) expect(afterHold()).not.toContain(`NativeModule ${module}`);
    const validate = await runCli(['config', 'validate', '-p', projectDir], watched);
    expect(validate.code, validate.stderr).toBe(0);
    expect(afterHold()).not.toContain('NativeModule crypto');
  });
});

describe('start-up of config validate', () => {
  it('checks a project of 400 tasks without TurboFan (compiling its hot functions costs more CPU than they save)', async () => {
    const tasks = Array.from({ length: 400 }, (_, i) => `  - name: task_${i}
    pipeline:
      - command: cat
        args: files/input_${i}.csv
      - command: grep
        args: -v "{{ var_${i % 20} }}"
`).join('');
    const { projectDir } = makeProject(`version: 0.3\ntasks:\n${tasks}`);
    const validated = await runCli(['config', 'validate', '-p', projectDir], { nodeOptions: ['--trace-opt'] });
    expect(validated.code, validated.stderr).toBe(0);
    expect(validated.stdout).toContain('is valid: 400 tasks');
    expect(optimizedByTurbofan(validated.stdout)).toEqual([]);
  });
});

describe('end of a run', () => {
  it('exits as soon as the run is over, without Node.js tearing its heap down, with its exit code and every line written', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n  - name: bad\n    commands:\n      - command: echo out; echo err >&2; exit 3\n');
    // `--trace-exit` reports an exit by process.exit(), which a process that simply runs out of work does not make.
    const run = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], { nodeOptions: ['--trace-exit'] });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Exited the environment with code 1/);
    // The command's output is all in its logs, and the summary is the last line handoff writes.
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'bad_stdout.log'), 'utf8')).toBe('out\n');
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'bad_stderr.log'), 'utf8')).toBe('err\n');
    expect(run.stderr).toMatch(/Task bad ended with exit code 3\n(.*\n)*.* Run \S+ failed: task bad: .*exited with code 3/);
  });

  it('leaves other commands to end as Node.js does (a server or a stream may still be busy when their action returns)', async () => {
    const { workspaceDir } = makeProject('tasks: []\n');
    // A workspace with no runs yet (one that does not exist at all is refused as a mistyped -w).
    fs.mkdirSync(workspaceDir, { recursive: true });
    const listed = await runCli(['runs', 'list', '-w', workspaceDir], { nodeOptions: ['--trace-exit'] });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stderr).not.toMatch(/Exited the environment/);
  });
});

describe('what a run keeps in memory (peak RSS is a target of issue #14)', () => {
  it('loads neither fs/promises nor file streams nor the recursive remover, and never calls toISOString (ICU time zone data)', async () => {
    const { projectDir, workspaceDir } = makeProject(
      'tasks:\n  - name: noisy\n    pipeline:\n      - command: cat\n        args: files/greeting.txt\n      - command: sh\n        args: -c "cat; echo note >&2"\n',
      { 'files/greeting.txt': 'hello {{ _stage }}\n' },
    );
    const footprint = path.join(workspaceDir, '..', 'footprint.json');
    // Runs that check project.yml in full (the first two), then a rerun from the checked project (what a schedule runs).
    for (let i = 0; i < 3; i++) {
      const run = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], {
        nodeOptions: ['--require', path.join(repoRoot, 'test', 'fixtures', 'record-footprint.cjs')],
        env: { HANDOFF_TEST_FOOTPRINT: footprint },
      });
      expect(run.code, run.stderr).toBe(0);
      // Every part this is about ran: the rendered file, the log of a command's stderr, the lock taken and removed.
      expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'noisy_stdout.log'), 'utf8')).toBe('hello dev\n');
      const runsDir = path.join(workspaceDir, 'runs');
      const lastRun = fs.readdirSync(runsDir).filter((name) => fs.statSync(path.join(runsDir, name)).isDirectory()).sort().pop() as string;
      expect(fs.readFileSync(path.join(runsDir, lastRun, 'noisy.sh.stderr.log'), 'utf8')).toBe('note\n');
      expect(fs.existsSync(path.join(workspaceDir, '.handoff.lock'))).toBe(false);
      const { modules, isoCalls } = JSON.parse(fs.readFileSync(footprint, 'utf8')) as { modules: string[]; isoCalls: number };
      expect(modules).toContain('NativeModule child_process');
      for (const heavy of ['internal/fs/promises', 'internal/fs/streams', 'internal/fs/rimraf', 'internal/modules/esm/translators']) {
        expect(modules, `run ${i + 1}: ${heavy}`).not.toContain(`NativeModule ${heavy}`);
      }
      expect(isoCalls, `run ${i + 1}`).toBe(0);
    }
  });
});

describe('what a run of a project without templates loads', () => {
  it('leaves the template engine (nunjucks and Python semantics, most of the run path) unloaded until a template needs it', async () => {
    const footprint = path.join(makeProject('tasks: []\n').workspaceDir, '..', 'footprint.json');
    const withFootprint = { nodeOptions: ['--require', path.join(repoRoot, 'test', 'fixtures', 'record-footprint.cjs')], env: { HANDOFF_TEST_FOOTPRINT: footprint } };
    // The bundle's files that hold the engine's code (Python's semantics and operators; nunjucks' own compiler).
    const engineFiles = (): string[] =>
      (JSON.parse(fs.readFileSync(footprint, 'utf8')) as { bundleFiles: string[] }).bundleFiles.filter((file) =>
        /function installPythonSemantics\(|function pythonAdd\(|Compiler = Obj\.extend|var Compiler = /.test(fs.readFileSync(file, 'utf8')),
      );
    const plain = makeProject('tasks:\n  - name: one\n    pipeline:\n      - command: echo\n        args: hi\n      - command: cat\n');
    const run = await runCli(['run', 'local', '-p', plain.projectDir, '-w', plain.workspaceDir], withFootprint);
    expect(run.code, run.stderr).toBe(0);
    expect(fs.readFileSync(path.join(plain.workspaceDir, 'artifacts', 'one_stdout.log'), 'utf8')).toBe('hi\n');
    expect(engineFiles()).toEqual([]);
    // The same probe sees the engine where a template needs it.
    const templated = makeProject('tasks:\n  - name: one\n    pipeline:\n      - command: echo\n        args: "{{ 2 * 21 }}"\n');
    const rendered = await runCli(['run', 'local', '-p', templated.projectDir, '-w', templated.workspaceDir], withFootprint);
    expect(rendered.code, rendered.stderr).toBe(0);
    expect(fs.readFileSync(path.join(templated.workspaceDir, 'artifacts', 'one_stdout.log'), 'utf8')).toBe('42\n');
    expect(engineFiles().length).toBeGreaterThanOrEqual(2);
  });
});

describe('what a run that succeeds leaves unloaded', () => {
  it('loads the -p/-w filler of fixes only for a failed run, whose details command it fills', async () => {
    const footprint = path.join(makeProject('tasks: []\n').workspaceDir, '..', 'footprint.json');
    const withFootprint = { nodeOptions: ['--require', path.join(repoRoot, 'test', 'fixtures', 'record-footprint.cjs')], env: { HANDOFF_TEST_FOOTPRINT: footprint } };
    const fillerFiles = (): string[] =>
      (JSON.parse(fs.readFileSync(footprint, 'utf8')) as { bundleFiles: string[] }).bundleFiles.filter((file) => /function fillFixArgs\(/.test(fs.readFileSync(file, 'utf8')));
    const ok = makeProject('tasks:\n  - name: one\n    commands:\n      - command: "true"\n');
    for (let i = 0; i < 2; i++) {
      const run = await runCli(['run', 'local', '-p', ok.projectDir, '-w', ok.workspaceDir], withFootprint);
      expect(run.code, run.stderr).toBe(0);
      expect(fillerFiles()).toEqual([]);
    }
    const failing = makeProject('tasks:\n  - name: one\n    commands:\n      - command: "false"\n');
    const failed = await runCli(['run', 'local', '-p', failing.projectDir, '-w', failing.workspaceDir], withFootprint);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain(`(details: handoff runs show `);
    expect(failed.stderr).toMatch(new RegExp(`details: handoff runs show \\S+ -w ${failing.workspaceDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`));
    expect(fillerFiles().length).toBeGreaterThanOrEqual(1);
  });
});

describe('what a rerun of a project without files/ loads', () => {
  it('neither the files/ renderer nor any provider entry (run local opens no provider), and still renders a files/ added later', async () => {
    const footprint = path.join(makeProject('tasks: []\n').workspaceDir, '..', 'footprint.json');
    const withFootprint = { nodeOptions: ['--require', path.join(repoRoot, 'test', 'fixtures', 'record-footprint.cjs')], env: { HANDOFF_TEST_FOOTPRINT: footprint } };
    const filesMatching = (pattern: RegExp): string[] =>
      (JSON.parse(fs.readFileSync(footprint, 'utf8')) as { bundleFiles: string[] }).bundleFiles.filter((file) => pattern.test(fs.readFileSync(file, 'utf8')));
    const renderer = /function renderFiles\(/;
    const entries = /var (aws|gcp|azure|local)ProviderEntry = /;
    const ok = makeProject('tasks:\n  - name: one\n    commands:\n      - command: echo hi\n');
    // The third run reads the checked project back from the workspace.
    for (let i = 0; i < 3; i++) {
      const run = await runCli(['run', 'local', '-p', ok.projectDir, '-w', ok.workspaceDir], withFootprint);
      expect(run.code, run.stderr).toBe(0);
      expect(filesMatching(renderer)).toEqual([]);
      expect(filesMatching(entries)).toEqual([]);
    }
    // A files/ folder is rendered as before, by the renderer loaded for it.
    fs.mkdirSync(path.join(ok.projectDir, 'files'));
    fs.writeFileSync(path.join(ok.projectDir, 'files', 'hello.txt'), 'stage {{ _stage }}\n');
    const withFiles = await runCli(['run', 'local', '-p', ok.projectDir, '-w', ok.workspaceDir], withFootprint);
    expect(withFiles.code, withFiles.stderr).toBe(0);
    expect(fs.readFileSync(path.join(ok.workspaceDir, 'files', 'hello.txt'), 'utf8')).toBe('stage dev\n');
    expect(filesMatching(renderer).length).toBeGreaterThanOrEqual(1);
    // Taken away again, W/files is emptied as before (the renderer is loaded for what is left to clean up).
    fs.rmSync(path.join(ok.projectDir, 'files'), { recursive: true });
    const without = await runCli(['run', 'local', '-p', ok.projectDir, '-w', ok.workspaceDir], withFootprint);
    expect(without.code, without.stderr).toBe(0);
    expect(fs.readdirSync(path.join(ok.workspaceDir, 'files'))).toEqual([]);
    // And a run after that has nothing left to clean: no renderer.
    const after = await runCli(['run', 'local', '-p', ok.projectDir, '-w', ok.workspaceDir], withFootprint);
    expect(after.code, after.stderr).toBe(0);
    expect(filesMatching(renderer)).toEqual([]);
  });
});

describe('what a run with no stage hint to print leaves unloaded', () => {
  it('loads the typo matcher (suggest-key) only for a -s near no stage by name: not for dev, nor for -s Prod', async () => {
    const footprint = path.join(makeProject('tasks: []\n').workspaceDir, '..', 'footprint.json');
    const withFootprint = { nodeOptions: ['--require', path.join(repoRoot, 'test', 'fixtures', 'record-footprint.cjs')], env: { HANDOFF_TEST_FOOTPRINT: footprint } };
    const matcherFiles = (): string[] =>
      (JSON.parse(fs.readFileSync(footprint, 'utf8')) as { bundleFiles: string[] }).bundleFiles.filter((file) => /function measureEditDistance\(/.test(fs.readFileSync(file, 'utf8')));
    const ok = makeProject('tasks:\n  - name: one\n    commands:\n      - command: "true"\n');
    // The third run reads the checked project back (the first two check project.yml, whose typo hints need it).
    for (let i = 0; i < 3; i++) {
      const run = await runCli(['run', 'local', '-p', ok.projectDir, '-w', ok.workspaceDir], withFootprint);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).not.toContain('did you mean');
    }
    expect(matcherFiles()).toEqual([]);
    // A stage of other letters only: its hint needs no edit distance.
    const upper = await runCli(['run', 'local', '-p', ok.projectDir, '-w', ok.workspaceDir, '-s', 'Prod'], withFootprint);
    expect(upper.stderr).toContain('did you mean -s prod? stage names are case-sensitive');
    expect(matcherFiles()).toEqual([]);
    // The same probe sees it where a typo is matched.
    const typo = await runCli(['run', 'local', '-p', ok.projectDir, '-w', ok.workspaceDir, '-s', 'prdo'], withFootprint);
    expect(typo.stderr).toContain('did you mean -s prod?');
    expect(matcherFiles().length).toBeGreaterThanOrEqual(1);
  });
});

describe('what a command that starts no process loads', () => {
  it('does not load child_process (commander requires it for executable subcommands, which handoff has none of)', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n  - name: one\n    commands:\n      - command: echo hi\n');
    const footprint = path.join(workspaceDir, '..', 'footprint.json');
    const withFootprint = { nodeOptions: ['--require', path.join(repoRoot, 'test', 'fixtures', 'record-footprint.cjs')], env: { HANDOFF_TEST_FOOTPRINT: footprint } };
    const loaded = (): string[] => (JSON.parse(fs.readFileSync(footprint, 'utf8')) as { modules: string[] }).modules;
    const help = await runCli(['--help'], withFootprint);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: handoff/);
    expect(loaded()).not.toContain('NativeModule child_process');
    const validate = await runCli(['config', 'validate', '-p', projectDir], withFootprint);
    expect(validate.code, validate.stderr).toBe(0);
    expect(loaded()).not.toContain('NativeModule child_process');
  });

  it('--help loads neither node:v8 (TurboFan is not held) nor fs.Dir\'s module, which the build itself had read', async () => {
    const footprint = path.join(makeProject('tasks: []\n').workspaceDir, '..', 'footprint.json');
    const withFootprint = { nodeOptions: ['--require', path.join(repoRoot, 'test', 'fixtures', 'record-footprint.cjs')], env: { HANDOFF_TEST_FOOTPRINT: footprint } };
    const help = await runCli(['--help'], withFootprint);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: handoff/);
    const { modules, bundleFiles } = JSON.parse(fs.readFileSync(footprint, 'utf8')) as { modules: string[]; bundleFiles: string[] };
    expect(modules).not.toContain('NativeModule v8');
    expect(modules).not.toContain('NativeModule internal/fs/dir');
    // The bundle's chunks, loaded by the code cache's own require, are in require.cache as Node.js's would be.
    expect(bundleFiles.filter((file) => file.includes(`${path.sep}dist${path.sep}chunks${path.sep}`)).length).toBeGreaterThan(5);
  });
  it('--help and a usage error load no provider entry (only `cloud …` shows their words), and `cloud --help` still lists them', async () => {
    const footprint = path.join(makeProject('tasks: []\n').workspaceDir, '..', 'footprint.json');
    const withFootprint = { nodeOptions: ['--require', path.join(repoRoot, 'test', 'fixtures', 'record-footprint.cjs')], env: { HANDOFF_TEST_FOOTPRINT: footprint } };
    const entryFiles = (): string[] =>
      (JSON.parse(fs.readFileSync(footprint, 'utf8')) as { bundleFiles: string[] }).bundleFiles.filter((file) => /var (aws|gcp|azure|local)ProviderEntry = /.test(fs.readFileSync(file, 'utf8')));
    for (const args of [['--help'], ['workspace', 'install', '--help'], ['nosuch']]) {
      const r = await runCli(args, withFootprint);
      expect(r.stdout + r.stderr, args.join(' ')).toMatch(/Usage: handoff|unknown command 'nosuch'/);
      expect(entryFiles(), args.join(' ')).toEqual([]);
    }
    const cloud = await runCli(['cloud', '--help'], withFootprint);
    expect(cloud.code).toBe(0);
    // The deployment words come from the entries (aws: task, role …).
    expect(cloud.stdout).toMatch(/^ {2}task\b/m);
    expect(entryFiles().length).toBeGreaterThan(0);
  });
  it('--help and a usage error write to stdout and stderr without loading Node.js\'s streams (no command streams there)', async () => {
    const footprint = path.join(makeProject('tasks: []\n').workspaceDir, '..', 'footprint.json');
    const withFootprint = { nodeOptions: ['--require', path.join(repoRoot, 'test', 'fixtures', 'record-footprint.cjs')], env: { HANDOFF_TEST_FOOTPRINT: footprint } };
    const modules = (): string[] => (JSON.parse(fs.readFileSync(footprint, 'utf8')) as { modules: string[] }).modules;
    const help = await runCli(['run', 'local', '--help'], withFootprint);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: handoff run \[options\] \[where\]/);
    expect(modules()).not.toContain('NativeModule stream');
    const typo = await runCli(['confg', 'show'], withFootprint);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^error: unknown command 'confg'/);
    expect(modules()).not.toContain('NativeModule stream');
  });
});

describe('what config validate of a local project leaves unloaded', () => {
  it('loads neither node:crypto nor the cloud names of the stores (the local store\'s name rules are all it checks), nor the files/ renderer without files/', async () => {
    const footprint = path.join(makeProject('tasks: []\n').workspaceDir, '..', 'footprint.json');
    const withFootprint = { nodeOptions: ['--require', path.join(repoRoot, 'test', 'fixtures', 'record-footprint.cjs')], env: { HANDOFF_TEST_FOOTPRINT: footprint } };
    const read = () => JSON.parse(fs.readFileSync(footprint, 'utf8')) as { modules: string[]; bundleFiles: string[] };
    const storeNameFiles = (): string[] =>
      read().bundleFiles.filter((file) => /function createSsmParameterNames\(|function createS3Layout\(|function createLocalStoreNames\(/.test(fs.readFileSync(file, 'utf8')));
    const ok = makeProject('deploy:\n  resource_group: etl\ntasks:\n  - name: one\n    commands:\n      - command: echo hi\n');
    const valid = await runCli(['config', 'validate', '-p', ok.projectDir], withFootprint);
    expect(valid.code, valid.stderr).toBe(0);
    expect(read().modules).not.toContain('NativeModule crypto');
    expect(storeNameFiles()).toEqual([]);
    // Nor the files/ renderer: the project has no files/ folder to check.
    expect(read().bundleFiles.filter((file) => /function renderFiles\(/.test(fs.readFileSync(file, 'utf8')))).toEqual([]);
    // The rules still hold: a resource group the local store cannot name a folder after is refused at its line.
    const bad = makeProject('deploy:\n  resource_group: my_etl\ntasks:\n  - name: one\n    commands:\n      - command: echo hi\n');
    const refused = await runCli(['config', 'validate', '-p', bad.projectDir], withFootprint);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/project\.yml:2:\d+.*resource group "my_etl" can only contain letters, digits and hyphens/);
  });
});

describe('what config validate loads for files/', () => {
  it('loads the template engine only for a file of files/ whose syntax needs it, and still reports its errors', async () => {
    const footprint = path.join(makeProject('tasks: []\n').workspaceDir, '..', 'footprint.json');
    const withFootprint = { nodeOptions: ['--require', path.join(repoRoot, 'test', 'fixtures', 'record-footprint.cjs')], env: { HANDOFF_TEST_FOOTPRINT: footprint } };
    const engineFiles = (): string[] =>
      (JSON.parse(fs.readFileSync(footprint, 'utf8')) as { bundleFiles: string[] }).bundleFiles.filter((file) =>
        /function installPythonSemantics\(|function pythonAdd\(|Compiler = Obj\.extend|var Compiler = /.test(fs.readFileSync(file, 'utf8')),
      );
    const yml = 'tasks:\n  - name: one\n    commands:\n      - command: cat files/data.csv\n';
    // Data, and a file whose only syntax is `{{ name }}` (no syntax error is possible in it): no engine.
    const data = makeProject(yml, { 'files/data.csv': 'a,b\n1,2\n', 'files/greeting.txt': 'hello {{ who }}\n' });
    const plain = await runCli(['config', 'validate', '-p', data.projectDir], withFootprint);
    expect(plain.code, plain.stderr).toBe(0);
    expect(engineFiles()).toEqual([]);
    // A file with more syntax is checked by the engine, which is loaded for it; its error is reported at its line.
    const broken = makeProject(yml, { 'files/data.csv': 'a,b\n', 'files/broken.txt': 'one\n{% if x %}never closed\n' });
    const refused = await runCli(['config', 'validate', '-p', broken.projectDir], withFootprint);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('files/broken.txt');
    expect(engineFiles().length).toBeGreaterThanOrEqual(2);
  });
});
