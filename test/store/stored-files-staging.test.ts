// The temporary folder the stored files/ are checked in is gone once they are in the workspace, whatever ends the command.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli, waitFor, type CliResult } from '../helpers/cli.js';

/**
 * Folders a test made outside the temporary folder the suite removes (a TMPDIR in /dev/shm, a workspace on another
 * file system): removed after each test, passed or not.
 */
const madeElsewhere: string[] = [];
afterEach(() => {
  for (const dir of madeElsewhere.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const PROJECT_YML = `tasks:
- name: t
  commands:
  - command: cat
    args: files/good.txt
deploy:
  cloud_provider: local
  resource_group: rg
  task: staging
`;

/**
 * A pushed project (files/good.txt, files/conf/more.txt, and `extra` files) and a private TMPDIR (made in `tmpRoot`),
 * whose handoff-stored-* folders tell.
 */
async function pushed(
  { tmpRoot, extra = {} }: { tmpRoot?: string; extra?: Record<string, string> } = {},
): Promise<{ home: string; tmp: string; taskDir: string; cli: (args: string[], onSpawn?: (child: ChildProcess) => void) => Promise<CliResult> }> {
  const home = makeTempDir('handoff-home-');
  const tmp = tmpRoot ? fs.mkdtempSync(path.join(tmpRoot, 'handoff-tmpdir-')) : makeTempDir('handoff-tmpdir-');
  if (tmpRoot) madeElsewhere.push(tmp);
  const cli = (args: string[], onSpawn?: (child: ChildProcess) => void): Promise<CliResult> =>
    runCli(args, { env: { HANDOFF_HOME: home, TMPDIR: tmp }, timeoutMs: 120_000, ...(onSpawn ? { onSpawn } : {}) });
  const { projectDir } = makeProject(PROJECT_YML, { 'files/good.txt': 'good\n', 'files/conf/more.txt': 'more {{ _stage_ }}\n', ...extra });
  for (const args of [['cloud', 'bucket', 'create'], ['project', 'push', '-y']]) {
    const result = await cli([...args, '-p', projectDir]);
    expect(result.code, result.stderr).toBe(0);
  }
  return { home, tmp, taskDir: path.join(home, 'buckets', 'handoff-dev-rg', 'staging'), cli };
}

const staging = (tmp: string): string[] => fs.readdirSync(tmp).filter((n) => n.startsWith('handoff-stored-'));

/** Files under a staged files/ folder in `tmp` (0 while there is none). */
function stagedFileCount(tmp: string): number {
  return staging(tmp).reduce((sum, name) => {
    const dir = path.join(tmp, name, 'project', 'files', 'many');
    return sum + (fs.existsSync(dir) ? fs.readdirSync(dir).length : 0);
  }, 0);
}

/**
 * Two folders on different file systems (a rename between them fails with EXDEV), from those this machine has: the
 * first for TMPDIR, the second for the workspace. Undefined when all are on one.
 */
function twoFileSystems(): [string, string] | undefined {
  const candidates = [...new Set(['/dev/shm', os.tmpdir(), '/tmp', '/work', '/var/tmp', os.homedir()])].flatMap((dir) => {
    try {
      fs.accessSync(dir, fs.constants.W_OK);
      return [{ dir, dev: fs.statSync(dir).dev }];
    } catch {
      return [];
    }
  });
  for (const a of candidates) {
    const b = candidates.find((c) => c.dev !== a.dev);
    if (b) return [a.dir, b.dir];
  }
  return undefined;
}

/** A lock file in W naming a live handoff (this test's process), as a run holding W writes it. */
function holdWorkspace(workspaceDir: string): void {
  fs.mkdirSync(workspaceDir, { recursive: true });
  const holder = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), command: 'run staging' };
  fs.writeFileSync(path.join(workspaceDir, '.handoff.lock'), JSON.stringify(holder));
}

describe('the stored files/ staged in the temporary folder', () => {
  it.each([['files get'], ['run']])('%s on a workspace another handoff holds: refused (exit 2) and no staged copy is left behind', async (command) => {
    const { tmp, cli } = await pushed();
    const workspaceDir = path.join(makeTempDir(), 'ws');
    holdWorkspace(workspaceDir);
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await cli([...command.split(' '), '-e', 'resource_group=rg', 'task=staging', '-w', workspaceDir]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain('is in use by another handoff');
    }
    expect(staging(tmp)).toEqual([]);
  });

  it('a run SIGTERMed while it fetches the artifacts leaves no staged copy (the files were moved into the workspace)', async () => {
    const { tmp, taskDir, cli } = await pushed();
    // Many small artifacts in the store: their fetch lasts long enough to be interrupted.
    const many = path.join(taskDir, 'artifacts', 'last', 'many');
    fs.mkdirSync(many, { recursive: true });
    for (let i = 0; i < 3000; i++) fs.writeFileSync(path.join(many, `a${i}.txt`), `${i}\n`);
    const workspaceDir = path.join(makeTempDir(), 'ws');
    const fetching = path.join(workspaceDir, 'artifacts', 'many');
    const result = await cli(['run', '-e', 'resource_group=rg', 'task=staging', '-w', workspaceDir], (child) => {
      void waitFor(() => fs.existsSync(fetching) && fs.readdirSync(fetching).length > 0, 60_000, 5).then(() => child.kill('SIGTERM'));
    });
    // Killed during the fetch (a run that got past it would hold all 3000).
    expect(result.code === 0 && fs.readdirSync(fetching).length === 3000, result.stderr).toBe(false);
    expect(fs.readFileSync(path.join(workspaceDir, '.handoff', 'project', 'files', 'conf', 'more.txt'), 'utf8')).toBe('more {{ _stage_ }}\n');
    expect(staging(tmp)).toEqual([]);
  });

  it('with TMPDIR on another file system than the workspace, the staged files/ are copied in (EXDEV) whole and the staging removed', async (ctx) => {
    const pair = twoFileSystems();
    if (!pair) return ctx.skip('every writable folder here (/dev/shm, TMPDIR, /tmp, /work, /var/tmp, HOME) is on one file system: no cross-device move to test');
    const [tmpRoot, workspaceRoot] = pair;
    const { tmp, cli } = await pushed({ tmpRoot, extra: { 'files/deep/a/b.bin': '\u0000\u0001binary\n' } });
    const workspaceParent = fs.mkdtempSync(path.join(workspaceRoot, 'handoff-ws-'));
    madeElsewhere.push(workspaceParent);
    const workspaceDir = path.join(workspaceParent, 'ws');
    fs.mkdirSync(workspaceDir);
    expect(fs.statSync(workspaceDir).dev).not.toBe(fs.statSync(tmp).dev);
    for (const command of ['files get', 'run']) {
      const result = await cli([...command.split(' '), '-e', 'resource_group=rg', 'task=staging', '-w', workspaceDir]);
      expect(result.code, result.stderr).toBe(0);
      const copy = path.join(workspaceDir, '.handoff', 'project', 'files');
      expect(fs.readFileSync(path.join(copy, 'good.txt'), 'utf8')).toBe('good\n');
      expect(fs.readFileSync(path.join(copy, 'conf', 'more.txt'), 'utf8')).toBe('more {{ _stage_ }}\n');
      expect(fs.readFileSync(path.join(copy, 'deep', 'a', 'b.bin'), 'utf8')).toBe('\u0000\u0001binary\n');
      expect(fs.readFileSync(path.join(workspaceDir, 'files', 'conf', 'more.txt'), 'utf8')).toBe('more dev_\n');
      expect(staging(tmp)).toEqual([]);
    }
  });

  it.each([
    ['files get', 'SIGTERM'],
    ['run', 'SIGINT'],
  ] as const)('%s stopped by %s while the stored files/ are staged removes the staging folder, and still ends by that signal', async (command, signal) => {
    // Many files under files/: their fetch into the staging folder lasts long enough to be interrupted.
    const extra = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`files/many/f${i}.txt`, `${i}\n`]));
    const { tmp, cli } = await pushed({ extra });
    const workspaceDir = path.join(makeTempDir(), 'ws');
    const result = await cli([...command.split(' '), '-e', 'resource_group=rg', 'task=staging', '-w', workspaceDir], (child) => {
      void waitFor(() => stagedFileCount(tmp) > 0, 60_000, 5).then(() => child.kill(signal));
    });
    // Stopped before the files reached the workspace (the signal came while they were staged), by the signal itself.
    expect(fs.existsSync(path.join(workspaceDir, '.handoff', 'project', 'files')), result.stderr).toBe(false);
    expect(result.signal, result.stderr).toBe(signal);
    expect(staging(tmp)).toEqual([]);
  });

  it('staging sweeps the folders a killed handoff left over a day ago (its pid gone); recent ones and live owners stay', async () => {
    const { tmp, cli } = await pushed();
    const dayAndMore = (Date.now() - 25 * 3600 * 1000) / 1000;
    const make = (name: string, old: boolean): string => {
      const dir = path.join(tmp, name);
      fs.mkdirSync(path.join(dir, 'project', 'files'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'project', 'files', 'x.txt'), 'x');
      if (old) fs.utimesSync(dir, dayAndMore, dayAndMore);
      return name;
    };
    const deadPid = 2 ** 22 + 17; // above Linux's pid_max: never alive
    const gone = [make(`handoff-stored-files-${deadPid}-abc123`, true), make('handoff-stored-copy-xyz789', true)];
    const kept = [make(`handoff-stored-files-${deadPid}-recent`, false), make(`handoff-stored-files-${process.pid}-live`, true)];
    const workspaceDir = path.join(makeTempDir(), 'ws');
    const result = await cli(['files', 'get', '-e', 'resource_group=rg', 'task=staging', '-w', workspaceDir]);
    expect(result.code, result.stderr).toBe(0);
    expect(staging(tmp).sort()).toEqual(kept.sort());
    for (const name of gone) expect(fs.existsSync(path.join(tmp, name))).toBe(false);
  });
});
