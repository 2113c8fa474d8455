// handoff-launch, the process launcher every command runs under: what a build without a C compiler gives, and what the
// launcher itself does when driven directly (its reports, the subreaper, its own exit status).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, makeProject, makeTempDir, repoRoot, runCli } from './helpers/cli.js';

const launcher = path.join(repoRoot, 'dist', 'handoff-launch');

describe('a build on a machine without a C compiler', () => {
  it('warns, builds the rest, and `run local` then refuses with exit 2 and the fix before anything runs', async () => {
    // A copy of what the build reads, so this repository's dist/ (used by every other test) is left alone.
    const copy = makeTempDir('handoff-nocc-');
    for (const name of ['bin', 'scripts', 'src', 'package.json', 'dist']) fs.cpSync(path.join(repoRoot, name), path.join(copy, name), { recursive: true });
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(copy, 'node_modules'));

    // A build stopped half-way (Ctrl-C in `npm install`, a killed `npx`) leaves the CLI it was replacing working.
    const stopped = spawn(process.execPath, ['scripts/build.mjs'], { cwd: copy, env: { ...process.env, CC: 'handoff-no-such-compiler' }, stdio: 'ignore' });
    const started = Date.now();
    const building = (): boolean => fs.readdirSync(copy).some((n) => n.startsWith('dist.building-')) || !fs.existsSync(path.join(copy, 'dist', 'chunks'));
    while (!building() && Date.now() - started < 20_000) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 300));
    stopped.kill('SIGKILL');
    await new Promise((resolve) => stopped.once('exit', resolve));
    const after = spawnSync(process.execPath, [path.join(copy, 'bin', 'handoff.js'), 'config', 'validate', 'local', '-p', makeProject('tasks:\n- name: t\n  commands:\n  - command: echo\n').projectDir], { encoding: 'utf8' });
    expect(after.stderr).not.toContain('Cannot find module');
    expect(after.status, after.stderr).toBe(0);

    const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: copy, env: { ...process.env, CC: 'handoff-no-such-compiler' }, encoding: 'utf8' });
    expect(build.status).toBe(0);
    expect(build.stderr).toContain('build: WARNING: could not compile dist/handoff-launch: handoff-no-such-compiler was not found (ENOENT)');
    expect(build.stderr).toContain('install a C compiler (Debian: apt-get install gcc libc6-dev)');
    expect(fs.existsSync(path.join(copy, 'dist', 'handoff.js'))).toBe(true);
    expect(fs.existsSync(path.join(copy, 'dist', 'handoff-launch'))).toBe(false);
    // The stopped build's folder went with the next build; the replaced dist/ too.
    expect(fs.readdirSync(copy).filter((n) => n.startsWith('dist'))).toEqual(['dist']);

    const p = makeProject('tasks:\n- name: t\n  commands:\n  - command: touch ran\n');
    const run = spawnSync(process.execPath, [path.join(copy, 'bin', 'handoff.js'), 'run', 'local', '-p', p.projectDir, '-w', p.workspaceDir], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("error: handoff's process launcher was not built");
    expect(run.stderr).toContain('fix: install a C compiler and build handoff again');
    expect(fs.existsSync(p.workspaceDir)).toBe(false);
    // Commands that run nothing still work.
    const validate = await runCli(['config', 'validate', 'local', '-p', p.projectDir], { env: { HANDOFF_LAUNCHER: path.join(copy, 'dist', 'handoff-launch') } });
    expect(validate.code).toBe(0);
  }, 120_000);
});

describe('handoff-launch on its own', () => {
  it('is a static binary, so the same file runs in any Linux image handoff is copied into', () => {
    const file = spawnSync('file', ['-L', launcher], { encoding: 'utf8' });
    if (file.error) return; // `file` not installed: nothing to check it with
    expect(file.stdout).toMatch(/statically linked|static-pie linked/);
  });

  it('without a control socket, exits with the status of its command and ends what the command left running', () => {
    expect(spawnSync(launcher, ['--', '/bin/sh', '-c', 'exit 7']).status).toBe(7);
    expect(spawnSync(launcher, ['--', '/bin/sh', '-c', 'kill -TERM $$']).status).toBe(143);
    // A daemon in a session of its own, deaf to SIGTERM, named by its $0: the launcher outlives it, after SIGKILL.
    const marker = `launcher-test-${process.pid}`;
    const daemon = `setsid -f sh -c 'trap "" TERM; while :; do sleep 1; done' ${marker}; exit 0`;
    const r = spawnSync(launcher, ['--grace-ms=300', '--', '/bin/sh', '-c', daemon], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(spawnSync('pgrep', ['-f', marker]).status).toBe(1);
  });

  it('starts a command in a group of its own with no signal blocked or ignored, even signals ignored by whoever started it', () => {
    // The shell ignores INT, HUP and USR1 and execs the launcher, which keeps them ignored (and ignores SIGPIPE itself).
    const fields = (direct: boolean): Record<string, string> => {
      // The shell reads its own status with builtins: while it waits for a child, dash blocks every signal for a moment
      // around sigsuspend, so a `cat` it forked could catch it in that window (seen once in CI).
      const command = direct
        ? '--direct -- cat /proc/self/status'
        : `-- /bin/sh -c 'while read -r line; do printf "%s\\n" "$line"; done < /proc/$$/status'`;
      const r = spawnSync('/bin/sh', ['-c', `trap '' INT HUP USR1; exec ${launcher} ${command}`], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      return Object.fromEntries(r.stdout.split('\n').map((line) => line.split(':\t')));
    };
    for (const direct of [true, false]) {
      const status = fields(direct);
      expect(status.SigIgn).toBe('0000000000000000');
      expect(status.SigBlk).toBe('0000000000000000');
      expect(status.NSpgid).toBe(status.Pid);
    }
    // A program that cannot be started is still reported as /bin/sh reports it.
    const missing = spawnSync(launcher, ['--direct', '--', 'handoff-no-such-program', 'x'], { encoding: 'utf8' });
    expect(missing.status).toBe(127);
    expect(missing.stderr).toContain('handoff-no-such-program: not found');
  });

  it('says how to use it', () => {
    const r = spawnSync(launcher, ['--unknown'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('usage: handoff-launch');
    expect(spawnSync(launcher, ['--version'], { encoding: 'utf8' }).stdout).toBe('handoff-launch 1\n');
  });
});

describe('a run started from a terminal', () => {
  // `script` (util-linux) gives handoff a terminal of its own, as a shell in a terminal window would.
  const hasScript = spawnSync('script', ['--version']).status === 0;

  it.skipIf(!hasScript)("gives its commands no terminal (opening /dev/tty fails at once, never stops them) and runs them in handoff's session, each launcher leading a group of its own", () => {
    const probe = [
      'if (exec 3</dev/tty) 2>/dev/null; then echo tty; else echo no-tty; fi',
      // The command's shell and its parent (the launcher): pid, group and session, the fields after the name in /proc.
      'for p in $$ $PPID; do set -- $(sed "s/.*) //" /proc/$p/stat); echo "$p $3 $4"; done',
    ].join('\n');
    // A plain command: the launcher runs this `sh` itself, so its parent is the launcher.
    const p = makeProject('tasks:\n- name: t\n  commands:\n  - command: sh files/probe.sh\n', { 'files/probe.sh': `${probe}\n` });
    const run = spawnSync('script', ['-q', '-e', '-c', `${process.execPath} ${cliPath} run local -p ${p.projectDir} -w ${p.workspaceDir}`, '/dev/null'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    expect(run.status).toBe(0);
    const [tty, command, launcherLine] = fs.readFileSync(path.join(p.workspaceDir, 'artifacts', 't_stdout.log'), 'utf8').trim().split('\n');
    expect(tty).toBe('no-tty');
    const [commandPid, commandGroup, commandSession] = command.split(' ').map(Number);
    const [launcherPid, launcherGroup, launcherSession] = launcherLine.split(' ').map(Number);
    // The command leads its group; the launcher leads another, in the same session, which neither of them leads.
    expect(commandGroup).toBe(commandPid);
    expect(launcherGroup).toBe(launcherPid);
    expect(commandSession).toBe(launcherSession);
    expect(launcherSession).not.toBe(launcherPid);
  }, 60_000);
});
