// V8's code cache of the bundle (Node.js 20): the build makes it, commands read it, and a cache V8 refuses costs nothing but time.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, repoRoot, runCli } from './helpers/cli.js';

const nodeCachesItself = 'enableCompileCache' in (await import('node:module')).default;
const codeCacheModule = path.join(repoRoot, 'dist', 'code-cache.js');

/** Loads `main.js` of a small CommonJS "bundle" in `bundleDir` through the code cache, in a node of its own. */
function loadThroughCache(bundleDir: string, cacheDir: string, mode: string): { stdout: string; stderr: string; status: number | null } {
  const script = `
    const { useCodeCache } = require(${JSON.stringify(codeCacheModule)});
    useCodeCache({ bundleDir: ${JSON.stringify(bundleDir)}, cacheDir: ${JSON.stringify(cacheDir)}, tier: () => 'default', mode: ${JSON.stringify(mode)} });
    console.log(require(${JSON.stringify(path.join(bundleDir, 'main.js'))}).answer());
  `;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

describe.skipIf(nodeCachesItself)('the code cache of the bundle (Node.js 20)', () => {
  it('is made by the build for the commands users run most, and a rerun takes every file it loads from it', async () => {
    expect(fs.readdirSync(path.join(repoRoot, 'dist', 'code-cache', 'default')).length).toBeGreaterThan(5);
    expect(fs.readdirSync(path.join(repoRoot, 'dist', 'code-cache', 'turbofan-held')).length).toBeGreaterThan(5);
    const { projectDir, workspaceDir } = makeProject('tasks:\n  - name: hello\n    commands:\n      - command: echo\n        args: hello\n');
    // The first run checks the new project (with TurboFan on); the second is a rerun, as most runs are.
    expect((await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir])).code).toBe(0);
    for (const args of [['--help'], ['config', 'validate', '-p', projectDir], ['run', 'local', '-p', projectDir, '-w', workspaceDir]]) {
      const result = await runCli(args, { env: { HANDOFF_CODE_CACHE: 'stats' } });
      expect(result.code, result.stderr).toBe(0);
      const [, taken, loaded] = /code cache: (\d+) of (\d+) bundle files from the cache/.exec(result.stderr) ?? [];
      expect(Number(loaded), `${args.join(' ')}: ${result.stderr}`).toBeGreaterThan(0);
      expect(taken, `${args.join(' ')} compiled files V8 had no cache for or refused`).toBe(loaded);
    }
  });

  it("holds, for every file a rerun loads, at least what a rerun compiles: no training run written after it drops a run's functions", async () => {
    // A copy of the build, so that a rerun can write its own cache (HANDOFF_CODE_CACHE=write) beside the build's.
    const copy = makeTempDir();
    for (const folder of ['bin', 'dist']) fs.cpSync(path.join(repoRoot, folder), path.join(copy, folder), { recursive: true });
    const cacheDir = path.join(copy, 'dist', 'code-cache', 'turbofan-held');
    const trained = new Map(fs.readdirSync(cacheDir).map((file) => [file, fs.statSync(path.join(cacheDir, file)).size]));
    const { projectDir, workspaceDir } = makeProject('tasks:\n  - name: hello\n    commands:\n      - command: echo\n        args: hello\n');
    const handoff = (mode: string) =>
      spawnSync(process.execPath, [path.join(copy, 'bin', 'handoff.js'), 'run', 'local', '-p', projectDir, '-w', workspaceDir], {
        encoding: 'utf8',
        env: { ...process.env, HANDOFF_CODE_CACHE: mode },
      });
    // The first run makes the workspace, the second keeps the checked project in it: the third is a rerun.
    for (const first of [1, 2]) expect(handoff('read').status, `run ${first}`).toBe(0);
    for (const file of trained.keys()) fs.rmSync(path.join(cacheDir, file));
    expect(handoff('write').status).toBe(0);
    const rerun = fs.readdirSync(cacheDir);
    expect(rerun.length).toBeGreaterThan(5);
    // V8's cache of a file grows with every function compiled in it: one that lacks the rerun's functions is smaller
    // (a dry run's cache of the run's main chunk was a third of a rerun's). A few bytes differ with the copy's path.
    const smaller = rerun
      .filter((file) => fs.statSync(path.join(cacheDir, file)).size > (trained.get(file) ?? 0) * 1.05 + 128)
      .map((file) => `${file}: build ${trained.get(file) ?? 'none'} bytes, rerun ${fs.statSync(path.join(cacheDir, file)).size}`);
    expect(smaller).toEqual([]);
  });

  it("loads the bundle's files by relative path as Node.js's require does: cycles, a file that threw, resolve, cache", () => {
    const bundleDir = path.join(makeTempDir(), 'bundle');
    fs.mkdirSync(path.join(bundleDir, 'sub'), { recursive: true });
    // a.js and b.js require each other: each sees the other's exports as they are at that moment.
    fs.writeFileSync(path.join(bundleDir, 'sub', 'a.js'), "exports.early = 'a';\nconst b = require('../b.js');\nexports.sawB = b.name;\n");
    fs.writeFileSync(path.join(bundleDir, 'b.js'), "const a = require('./sub/a.js');\nexports.sawA = a.early;\nexports.name = 'b';\n");
    // bad.js throws the first time it runs: it is not kept, and a second require runs it again.
    fs.writeFileSync(path.join(bundleDir, 'bad.js'), "globalThis.badRuns = (globalThis.badRuns ?? 0) + 1;\nif (globalThis.badRuns === 1) throw new Error('first');\nexports.runs = globalThis.badRuns;\n");
    fs.writeFileSync(
      path.join(bundleDir, 'main.js'),
      [
        "const a = require('./sub/a.js');",
        "const b = require('./b.js');",
        "let first; try { require('./bad.js'); } catch (error) { first = error.message; }",
        "const bad = require('./bad.js');",
        "const same = require('./sub/a.js') === a && require.cache[require.resolve('./sub/a.js')].exports === a;",
        "const os = require('node:os') === require('os');",
        'exports.answer = () => [a.sawB, b.sawA, first, bad.runs, same, os, require.resolve(\'./b.js\') === __dirname + \'/b.js\'].join(\' \');',
      ].join('\n'),
    );
    for (const mode of ['stats', 'write', 'stats', 'off']) {
      expect(loadThroughCache(bundleDir, path.join(bundleDir, 'code-cache'), mode), mode).toMatchObject({ stdout: 'b a first 2 true true true\n', status: 0 });
    }
  });

  it('saves what ran, reads it back, and compiles as usual when the cache is missing, refused or unreadable', () => {
    const dir = makeTempDir();
    const bundleDir = path.join(dir, 'bundle');
    const cacheDir = path.join(bundleDir, 'code-cache');
    fs.mkdirSync(bundleDir);
    fs.writeFileSync(path.join(bundleDir, 'helper.js'), 'exports.twice = (n) => n * 2;\n');
    fs.writeFileSync(
      path.join(bundleDir, 'main.js'),
      "const { twice } = require('./helper.js');\nexports.answer = () => `${twice(21)} ${path.basename(__filename)} ${module.exports === this}`;\nconst path = require('node:path');\n",
    );
    // Nothing cached yet: compiled as usual, and the module sees its own names (__filename, module, this, require).
    expect(loadThroughCache(bundleDir, cacheDir, 'stats')).toMatchObject({ stdout: '42 main.js true\n', stderr: 'code cache: 0 of 2 bundle files from the cache\n' });
    expect(loadThroughCache(bundleDir, cacheDir, 'write').status).toBe(0);
    expect(fs.readdirSync(path.join(cacheDir, 'default')).sort()).toEqual(['helper.js.v8', 'main.js.v8']);
    expect(loadThroughCache(bundleDir, cacheDir, 'stats')).toMatchObject({ stdout: '42 main.js true\n', stderr: 'code cache: 2 of 2 bundle files from the cache\n' });
    // A file changed since its cache was made: V8 refuses the cache (it checks the source) and compiles the new text.
    fs.writeFileSync(path.join(bundleDir, 'helper.js'), 'exports.twice = (n) => n * 2 + 1;\n');
    expect(loadThroughCache(bundleDir, cacheDir, 'stats')).toMatchObject({ stdout: '43 main.js true\n', stderr: 'code cache: 1 of 2 bundle files from the cache\n' });
    // Garbage in a cache file, and a cache file that cannot be read (a folder in its place): compiled as usual.
    fs.writeFileSync(path.join(cacheDir, 'default', 'main.js.v8'), 'not a code cache');
    fs.rmSync(path.join(cacheDir, 'default', 'helper.js.v8'));
    fs.mkdirSync(path.join(cacheDir, 'default', 'helper.js.v8'));
    expect(loadThroughCache(bundleDir, cacheDir, 'stats')).toMatchObject({ stdout: '43 main.js true\n', stderr: 'code cache: 0 of 2 bundle files from the cache\n' });
    // off: Node.js's own compile, no cache read and no line.
    expect(loadThroughCache(bundleDir, cacheDir, 'off')).toMatchObject({ stdout: '43 main.js true\n', stderr: '' });
  });
});
