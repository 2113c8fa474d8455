// Concurrency: two runs on one workspace, a stale lock left by a killed run, and handoffs racing for the lock.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliPath, makeProject, makeTempDir, newMarker, processesWithMarker, repoRoot, runCli } from '../helpers/cli.js';
import { expectNoProcessesLeft, hasProcess, runHandoff, runRecords, waitFor } from './fault-helpers.js';

const LONG_PROJECT = `
tasks:
- name: long
  commands:
  - command: sleep 300
`;

describe('two handoffs on one workspace', () => {
  it('the second `run local` refuses with exit 2, naming the pid and command of the run that holds the workspace', async () => {
    const p = makeProject(LONG_PROJECT);
    let second: Awaited<ReturnType<typeof runCli>> | undefined;
    let install: Awaited<ReturnType<typeof runCli>> | undefined;
    let firstPid: number | undefined;
    const first = await runHandoff(['run', 'local', '-p', p.projectDir, '-w', p.workspaceDir], {
      during: async (child, marker) => {
        firstPid = child.pid;
        await waitFor(() => hasProcess(marker, 'sleep 300'));
        second = await runCli(['run', 'local', '-p', p.projectDir, '-w', p.workspaceDir]);
        install = await runCli(['workspace', 'install', '-p', p.projectDir, '-w', p.workspaceDir]);
        // The first run goes on untouched.
        expect(hasProcess(marker, 'sleep 300')).toBe(true);
        child.kill('SIGTERM');
      },
    });
    expect(second?.code).toBe(2);
    expect(second?.stderr).toContain(`is in use by another handoff (pid ${firstPid}, "run local -p ${p.projectDir}"`);
    expect(second?.stderr).toContain('fix: wait for that run to finish, or use another workspace with -w');
    expect(install?.code).toBe(2);
    expect(install?.stderr).toContain(`(pid ${firstPid}, "run local`);
    // The refused run left no record; the first one ended as interrupted and released the lock.
    expect(first.code).toBe(143);
    expect(runRecords(p.workspaceDir).map((r) => r.status)).toEqual(['interrupted']);
    expect(fs.existsSync(path.join(p.workspaceDir, '.handoff.lock'))).toBe(false);
    await expectNoProcessesLeft(first.marker);
  });

  it('a lock left by a SIGKILLed run is taken over by the next run, which says so and marks the old run interrupted', async () => {
    const p = makeProject(LONG_PROJECT);
    const marker = newMarker();
    const killed = spawn(process.execPath, [cliPath, 'run', 'local', '-p', p.projectDir, '-w', p.workspaceDir], {
      env: { ...process.env, HANDOFF_TEST_MARKER: marker },
      stdio: 'ignore',
    });
    await waitFor(() => hasProcess(marker, 'sleep 300'));
    killed.kill('SIGKILL');
    await new Promise((r) => killed.once('exit', r));
    // SIGKILL gives handoff no chance to end its processes; the launcher it ran them under does.
    await waitFor(() => processesWithMarker(marker).length === 0, 5000);
    expect(JSON.parse(fs.readFileSync(path.join(p.workspaceDir, '.handoff.lock'), 'utf8')).pid).toBe(killed.pid);

    fs.writeFileSync(path.join(p.projectDir, 'project.yml'), 'tasks:\n- name: quick\n  commands:\n  - command: echo done\n');
    const next = await runCli(['run', 'local', '-p', p.projectDir, '-w', p.workspaceDir]);
    expect(next.code).toBe(0);
    expect(next.stderr).toContain(`took over a stale workspace lock left by pid ${killed.pid}`);
    expect(next.stderr).toMatch(/run \S+ was left running by a handoff that is gone; marked interrupted/);
    expect(runRecords(p.workspaceDir).map((r) => r.status)).toEqual(['interrupted', 'succeeded']);
    expect(fs.existsSync(path.join(p.workspaceDir, '.handoff.lock'))).toBe(false);
  });

  it('an unreadable lock file (not JSON) is treated as stale and taken over', async () => {
    const p = makeProject('tasks:\n- name: quick\n  commands:\n  - command: echo done\n');
    fs.mkdirSync(p.workspaceDir, { recursive: true });
    fs.writeFileSync(path.join(p.workspaceDir, '.handoff.lock'), '');
    const r = await runCli(['run', 'local', '-p', p.projectDir, '-w', p.workspaceDir]);
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(p.workspaceDir, '.handoff.lock'))).toBe(false);
  });
});

/**
 * Handoffs racing for one lock at the same instant: each racer is a process that calls the real acquireLockFile
 * (bundled once) on the lock of round N when the clock reaches that round's moment, the same for all racers. A
 * winner keeps running, so its lock stays live for the slower racers. In every round exactly one may win, whether the
 * lock was free or left stale by a dead process.
 */
describe('racing for the lock', () => {
  let racer = '';
  beforeAll(async () => {
    const dir = makeTempDir('handoff-racer-');
    const lockModule = path.join(dir, 'workspace-lock.mjs');
    await build({ entryPoints: [path.join(repoRoot, 'src', 'workspace', 'workspace-lock.ts')], bundle: true, platform: 'node', format: 'esm', outfile: lockModule, logLevel: 'error' });
    racer = path.join(dir, 'racer.mjs');
    fs.writeFileSync(
      racer,
      `import fs from 'node:fs';
import { acquireLockFile } from ${JSON.stringify(lockModule)};
const [files, start, step] = [JSON.parse(fs.readFileSync(process.argv[2], 'utf8')), Number(process.argv[3]), Number(process.argv[4])];
const outcomes = [];
files.forEach((file, round) => {
  while (Date.now() < start + round * step) {} // every racer leaves the line at the same moment
  try {
    acquireLockFile(file, 'racer', { name: 'the test lock', fix: '-' });
    outcomes.push('won');
  } catch (error) {
    outcomes.push(String(error.message).includes('in use by another handoff') ? 'refused' : 'error: ' + error.message);
  }
});
process.stdout.write(JSON.stringify(outcomes) + '\\n');
// Stay alive, holding the locks won, until every racer has finished: a winner that exited would leave a stale lock
// that a slower racer (the machine is busy) could rightly take over, which would look like two winners.
const release = process.argv[5];
while (!fs.existsSync(release)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
`,
    );
  });

  /** Runs `racers` processes over `rounds` fresh lock files (each prepared first); returns each round's outcomes. */
  async function race(racers: number, rounds: number, prepare: (lockFile: string) => void): Promise<string[][]> {
    const dir = makeTempDir('handoff-race-');
    const files = Array.from({ length: rounds }, (_, i) => path.join(dir, `${i}.lock`));
    files.forEach(prepare);
    const list = path.join(dir, 'files.json');
    fs.writeFileSync(list, JSON.stringify(files));
    const start = Date.now() + 500;
    const release = path.join(dir, 'release');
    const children: Array<ReturnType<typeof spawn>> = [];
    const perRacer = await Promise.all(
      Array.from({ length: racers }, () => {
        return new Promise<string[]>((resolve, reject) => {
          let out = '';
          const child = spawn(process.execPath, [racer, list, String(start), '20', release], { stdio: ['ignore', 'pipe', 'inherit'] });
          children.push(child);
          child.stdout!.on('data', (d: Buffer) => {
            out += d.toString();
            if (out.endsWith('\n')) resolve(JSON.parse(out) as string[]);
          });
          child.on('error', reject);
          child.on('close', () => reject(new Error(`racer ended before reporting: ${out}`)));
        });
      }),
    );
    fs.writeFileSync(release, '');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('close', r)))));
    return files.map((_, round) => perRacer.map((outcomes) => outcomes[round]));
  }

  const deadPid = (): number => spawnSync('true').pid as number;

  it.each([
    ['a free lock', (_file: string) => undefined],
    [
      'a stale lock of a dead process',
      (file: string) => fs.writeFileSync(file, JSON.stringify({ pid: deadPid(), host: os.hostname(), startedAt: new Date(0).toISOString(), command: 'killed' })),
    ],
  ])('exactly one of three racers wins %s, in each of 150 rounds', async (_what, prepare) => {
    const rounds = await race(3, 150, prepare);
    for (const outcome of rounds) expect([...outcome].sort()).toEqual(['refused', 'refused', 'won']);
  });
});
