// `container build --dry-run` with the built CLI, for what the build context does before any container CLI runs: as a
// user other than root, and with projects whose files/, links and secrets need care. No podman needed.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/cli.js';

const isRoot = process.getuid?.() === 0;
const hasRunuser = isRoot && spawnSync('runuser', ['--help']).status === 0;
const made: string[] = [];
afterAll(() => {
  for (const d of made) {
    execFileSync('chmod', ['-R', 'u+rwX', d]);
    fs.rmSync(d, { recursive: true, force: true });
  }
});

/** A folder every user may enter (the test run's TMPDIR is root's alone), with handoff's runnable package copied in. */
function sharedRoot(): { root: string; handoff: string } {
  const root = fs.mkdtempSync(path.join(isRoot ? '/tmp' : os.tmpdir(), 'handoff-ctx-cli-'));
  made.push(root);
  const handoff = path.join(root, 'handoff');
  for (const name of ['bin', 'dist', 'package.json']) fs.cpSync(path.join(repoRoot, name), path.join(handoff, name), { recursive: true, filter: (s) => !s.endsWith('.map') });
  // Only node on PATH: no container CLI, so the dry run needs none.
  fs.mkdirSync(path.join(root, 'bin'));
  fs.symlinkSync(process.execPath, path.join(root, 'bin', 'node'));
  fs.mkdirSync(path.join(root, 'tmp'), { mode: 0o777 });
  fs.chmodSync(path.join(root, 'tmp'), 0o1777);
  return { root, handoff };
}

/** `handoff container build --dry-run --json` as `nobody` when the tests run as root, else as this user. */
function openToAll(root: string): void {
  execFileSync('chmod', ['-R', 'a+rX', root]);
}

function dryRunBuild(root: string, handoff: string, projectDir: string, extra: string[] = []): { code: number | null; stdout: string; stderr: string } {
  const env = ['PATH=' + path.join(root, 'bin'), 'HOME=' + path.join(root, 'tmp'), 'TMPDIR=' + path.join(root, 'tmp'), 'HANDOFF_HOME=' + path.join(root, 'tmp', 'home')];
  const command = ['env', '-i', ...env, 'node', path.join(handoff, 'bin', 'handoff.js'), 'container', 'build', '-p', projectDir, '--dry-run', '--json', ...extra];
  const result = hasRunuser ? spawnSync('runuser', ['-u', 'nobody', '--', ...command], { encoding: 'utf8' }) : spawnSync(command[0]!, command.slice(1), { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe.skipIf(isRoot && !hasRunuser)('container build --dry-run as a user other than root', () => {
  it('copies a read-only folder of the project (chmod 555) and leaves no context behind', () => {
    const { root, handoff } = sharedRoot();
    const projectDir = path.join(root, 'project');
    fs.mkdirSync(path.join(projectDir, 'files', 'ro'), { recursive: true });
    fs.mkdirSync(path.join(projectDir, 'vendor', 'lib'), { recursive: true });
    fs.writeFileSync(path.join(projectDir, 'project.yml'), 'tasks:\n  - name: t\n    commands:\n      - command: "true"\n');
    fs.writeFileSync(path.join(projectDir, 'files', 'ro', 'data.txt'), 'x');
    fs.writeFileSync(path.join(projectDir, 'vendor', 'lib', 'a.py'), 'y');
    openToAll(root);
    // Read-only for everyone, as vendored trees and reference data often are.
    for (const d of ['files/ro', 'vendor/lib', 'vendor']) fs.chmodSync(path.join(projectDir, d), 0o555);
    const result = dryRunBuild(root, handoff, projectDir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('This is a bug');
    expect(fs.readdirSync(path.join(root, 'tmp')).filter((n) => n.startsWith('handoff-build-'))).toEqual([]);
  });

  it('names an unreadable file of the project in a UserError (exit 2), not a crash', () => {
    const { root, handoff } = sharedRoot();
    const projectDir = path.join(root, 'project');
    fs.mkdirSync(path.join(projectDir, 'files'), { recursive: true });
    fs.writeFileSync(path.join(projectDir, 'project.yml'), 'tasks:\n  - name: t\n    commands:\n      - command: "true"\n');
    const secretFile = path.join(projectDir, 'files', 'private.txt');
    fs.writeFileSync(secretFile, 'x');
    openToAll(root);
    fs.chmodSync(secretFile, 0o000);
    const result = dryRunBuild(root, handoff, projectDir);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`cannot copy ${secretFile} into the image's build context (EACCES)`);
    expect(result.stderr).not.toContain('This is a bug');
    expect(fs.readdirSync(path.join(root, 'tmp')).filter((n) => n.startsWith('handoff-build-'))).toEqual([]);
  });
});

describe.skipIf(isRoot && !hasRunuser)('container build --dry-run and secrets', () => {
  it('leaves a secret file: kept outside .secrets/ out of the image, and says so', () => {
    const { root, handoff } = sharedRoot();
    const projectDir = path.join(root, 'project');
    fs.mkdirSync(path.join(projectDir, '.secrets'), { recursive: true });
    fs.mkdirSync(path.join(projectDir, 'creds'));
    fs.mkdirSync(path.join(projectDir, 'files'));
    fs.writeFileSync(path.join(projectDir, 'project.yml'), 'tasks:\n  - name: t\n    commands:\n      - command: "true"\n');
    fs.writeFileSync(path.join(projectDir, 'creds', 'sa.json'), '{"private_key":"PRIVATE-KEY-SECRET-555"}');
    fs.writeFileSync(path.join(projectDir, 'creds', 'readme.txt'), 'not a secret');
    fs.symlinkSync('../creds/sa.json', path.join(projectDir, 'files', 'sa-link.json'));
    fs.writeFileSync(path.join(projectDir, '.secrets', 'dev_secrets.yml'), '- key: greeting\n  value: hello\n- key: sa\n  file: ../creds/sa.json\n');
    openToAll(root);
    const result = dryRunBuild(root, handoff, projectDir);
    expect(result.code, result.stderr).toBe(0);
    const excluded = (JSON.parse(result.stdout) as { excluded: { path: string; reason: string }[] }).excluded;
    expect(excluded).toContainEqual({ path: 'creds/sa.json', reason: `a secret's file, named in ${path.join('.secrets', 'dev_secrets.yml')}` });
    expect(excluded.find((e) => e.path === 'files/sa-link.json')?.reason).toMatch(/symbolic link into an excluded folder \(a secret's file/);
    expect(excluded.map((e) => e.path)).not.toContain('creds/readme.txt');
    expect(result.stderr).toContain(`Left out of the image: creds/sa.json (a secret's file, named in .secrets/dev_secrets.yml)`);
  });

  it('refuses a secrets folder given to runs only (-v secrets_dir), naming the file and the option, and leaves it out with it', () => {
    const { root, handoff } = sharedRoot();
    const projectDir = path.join(root, 'project');
    fs.mkdirSync(path.join(projectDir, 'secrets'), { recursive: true });
    fs.writeFileSync(path.join(projectDir, 'project.yml'), 'envs:\n  - key: DB_PASSWORD\ntasks:\n  - name: t\n    commands:\n      - command: "true"\n');
    fs.writeFileSync(path.join(projectDir, 'secrets', 'dev_secrets.yml'), '- key: DB_PASSWORD\n  value: SDIR-SECRET-77aa\n');
    openToAll(root);
    const refused = dryRunBuild(root, handoff, projectDir);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('secrets/dev_secrets.yml looks like a handoff secrets file (a list of key: entries), which would be copied into the image');
    expect(refused.stderr).toContain('-v secrets_dir=');
    expect(refused.stdout + refused.stderr).not.toContain('SDIR-SECRET-77aa');
    expect(fs.readdirSync(path.join(root, 'tmp')).filter((n) => n.startsWith('handoff-build-'))).toEqual([]);
    const built = dryRunBuild(root, handoff, projectDir, ['-v', `secrets_dir=${path.join(projectDir, 'secrets')}`]);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toContain('Left out of the image: secrets (workspace or secrets folder named on the command line)');
  });

  it('warns about an install that uses a secret before building, and leaves it (with its venv) to the container start', () => {
    const { root, handoff } = sharedRoot();
    const projectDir = path.join(root, 'project');
    fs.mkdirSync(path.join(projectDir, '.secrets'), { recursive: true });
    fs.writeFileSync(
      path.join(projectDir, 'project.yml'),
      [
        'envs:',
        '  - key: TOKEN',
        'installs:',
        '  - venv: v1',
        '    command: echo first',
        '  - venv: v2',
        '    command: echo "second TOKEN=[{{ TOKEN }}]"',
        'tasks:',
        '  - name: t',
        '    commands:',
        '      - command: "true"',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(projectDir, '.secrets', 'dev_secrets.yml'), '- key: TOKEN\n  value: tok\n');
    openToAll(root);
    const result = dryRunBuild(root, handoff, projectDir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/WARNING - installs\[1\] \(venv v2\) uses the secret TOKEN, which an image build does not have: it is not installed in the image, and runs at every container start/);
    const dockerfile = (JSON.parse(result.stdout) as { dockerfile: string }).dockerfile;
    expect(dockerfile).toContain('# venv v1: echo first');
    expect(dockerfile).not.toContain('second TOKEN');
    expect(dockerfile).not.toContain('installs/2/project.yml');
  });
});

describe('container build interrupted', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} stops the container CLI's build, removes the context and exits ${signal === 'SIGINT' ? 130 : 143}, leaving no process`, async () => {
      const { root, handoff } = sharedRoot();
      const projectDir = path.join(root, 'project');
      fs.mkdirSync(path.join(projectDir, 'files'), { recursive: true });
      fs.writeFileSync(path.join(projectDir, 'project.yml'), 'tasks:\n  - name: t\n    commands:\n      - command: "true"\n');
      // A podman whose build takes long, in a child that would outlive it: the marker (this test's folder) finds it.
      const marker = path.join(root, 'marker');
      fs.writeFileSync(
        path.join(root, 'bin', 'podman'),
        `#!/bin/sh\ncase "$1" in\n  images) exit 0 ;;\n  image) exit 1 ;;\n  build) echo "STEP 1/2: FROM base"; node -e 'setTimeout(() => {}, 300000)' ${marker} & wait ;;\nesac\n`,
        { mode: 0o755 },
      );
      const child = spawn(path.join(root, 'bin', 'node'), [path.join(handoff, 'bin', 'handoff.js'), '--container-provider', 'podman', 'container', 'build', '-p', projectDir], {
        env: { PATH: path.join(root, 'bin'), HOME: path.join(root, 'tmp'), TMPDIR: path.join(root, 'tmp'), HANDOFF_GRACE_SECONDS: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      let sent = false;
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (!sent && stderr.includes('Step 1/2')) {
          sent = true;
          child.kill(signal);
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      expect(sent, stderr).toBe(true);
      expect(code, stderr).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(stderr).toContain(`interrupted by ${signal}`);
      expect(fs.readdirSync(path.join(root, 'tmp')).filter((n) => n.startsWith('handoff-build-'))).toEqual([]);
      const left = fs.readdirSync('/proc').filter((pid) => {
        try {
          return /^\d+$/.test(pid) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
        } catch {
          return false;
        }
      });
      expect(left).toEqual([]);
    });
  }
});
