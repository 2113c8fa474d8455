// The temporary folder the stored files/ are checked in is gone once they are in the workspace, whatever ends the command.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli, waitFor, type CliResult } from '../helpers/cli.js';

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

/** A pushed project (files/good.txt, files/conf/more.txt) and a private TMPDIR, whose handoff-stored-* folders tell. */
async function pushed(): Promise<{ home: string; tmp: string; taskDir: string; cli: (args: string[], onSpawn?: (child: ChildProcess) => void) => Promise<CliResult> }> {
  const home = makeTempDir('handoff-home-');
  const tmp = makeTempDir('handoff-tmpdir-');
  const cli = (args: string[], onSpawn?: (child: ChildProcess) => void): Promise<CliResult> =>
    runCli(args, { env: { HANDOFF_HOME: home, TMPDIR: tmp }, timeoutMs: 120_000, ...(onSpawn ? { onSpawn } : {}) });
  const { projectDir } = makeProject(PROJECT_YML, { 'files/good.txt': 'good\n', 'files/conf/more.txt': 'more {{ _stage_ }}\n' });
  for (const args of [['cloud', 'bucket', 'create'], ['project', 'push', '-y']]) {
    const result = await cli([...args, '-p', projectDir]);
    expect(result.code, result.stderr).toBe(0);
  }
  return { home, tmp, taskDir: path.join(home, 'buckets', 'handoff-dev-rg', 'staging'), cli };
}

const staging = (tmp: string): string[] => fs.readdirSync(tmp).filter((n) => n.startsWith('handoff-stored-'));

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
