// A signal to handoff's whole process group (Ctrl-C, a container's or systemd's stop) while a run's launcher is still starting.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, makeProject, makeTempDir, repoRoot, sleep } from './helpers/cli.js';

describe('a SIGTERM to handoff\'s process group while the run\'s launcher starts', () => {
  it.each([
    ['a commands: task (the run\'s long-lived launcher)', `tasks:
  - name: halt
    commands:
      - command: sh
        args: -c 'echo working; sleep 30'
`],
    ['a pipeline (a launcher per command)', `tasks:
  - name: halt
    pipeline:
      - command: sh
        args: -c 'echo working; sleep 30'
      - command: cat
`],
  ])('%s ends as stopped by that SIGTERM (exit code 143), not as killed by SIGKILL or out of memory', async (_what, projectYml) => {
    // The real launcher behind a wrapper that waits before it runs it: for those seconds the launcher process is still
    // in handoff's process group, as every launcher is for a moment after node spawns it (before it leaves the group).
    const wrapperDir = makeTempDir('handoff-slow-start-');
    const started = path.join(wrapperDir, 'started');
    const wrapper = path.join(wrapperDir, 'handoff-launch');
    fs.writeFileSync(wrapper, `#!/bin/sh\ntouch '${started}'\nsleep 5\nexec '${path.join(repoRoot, 'dist', 'handoff-launch')}' "$@"\n`, { mode: 0o755 });
    const { projectDir, workspaceDir } = makeProject(projectYml);
    const child = spawn(process.execPath, [cliPath, 'run', 'local', '-p', projectDir, '-w', workspaceDir], {
      env: { ...process.env, HANDOFF_LAUNCHER: wrapper, HANDOFF_GRACE_SECONDS: '1' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    for (let i = 0; i < 300 && !fs.existsSync(started); i++) await sleep(50);
    expect(fs.existsSync(started), output).toBe(true);
    process.kill(-child.pid!, 'SIGTERM');
    expect(await exited, output).toBe(143);
    expect(output).toContain('Received SIGTERM: stopping the run');
    expect(output).toMatch(/Task halt ended with exit code 143/);
    expect(output).not.toMatch(/killed by SIGKILL|out of memory|exit code 137/);
    expect(output).toMatch(/Process \? sh -c 'echo working; sleep 30' was killed by SIGTERM \(interrupted\)/);
    // The command never started, so nothing of it is left; the record says the run was interrupted.
    expect(fs.existsSync(path.join(workspaceDir, 'artifacts'))).toBe(true);
    const runs = fs.readdirSync(path.join(workspaceDir, 'runs')).filter((f) => f.endsWith('.json'));
    const record = JSON.parse(fs.readFileSync(path.join(workspaceDir, 'runs', runs[0]!), 'utf8')) as { status: string };
    expect(record.status).toBe('interrupted');
  }, 60_000);
});
