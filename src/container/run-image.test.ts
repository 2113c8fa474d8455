// The `podman run` that `container run` plans: what reaches the container, and what reaches the CLI's own environment.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { registerProvider } from '../providers/provider-registry.js';
import { localProviderEntry } from '../providers/local/local-entry.js';
import { prepareImageRun, type ImageRun } from './run-image.js';

registerProvider(localProviderEntry);

const made: string[] = [];
const runs: ImageRun[] = [];
afterEach(() => {
  for (const r of runs.splice(0)) r.dispose();
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-run-image-test-'));
  made.push(dir);
  return dir;
}

/** A project, a local store and a `podman` that is never run (the version is given, so no image is listed). */
function setup(home?: string): { projectDir: string; env: NodeJS.ProcessEnv } {
  const root = tempDir();
  const projectDir = path.join(root, 'p');
  fs.mkdirSync(projectDir);
  fs.writeFileSync(path.join(projectDir, 'project.yml'), 'tasks:\n  - name: t\n    commands:\n      - command: "true"\ndeploy:\n  cloud_provider: local\n  resource_group: rg\n  task: t1\n');
  const bin = path.join(root, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'podman'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  const storeDir = home ?? path.join(root, 'home');
  fs.mkdirSync(storeDir, { recursive: true });
  return { projectDir, env: { PATH: `${bin}:/usr/bin:/bin`, HOME: root, HANDOFF_HOME: storeDir } };
}

async function prepare(projectDir: string, env: NodeJS.ProcessEnv, envs: Record<string, string>): Promise<ImageRun> {
  const run = await prepareImageRun({ projectDir, stage: 'dev', envs, version: '0.1', containerProvider: 'podman', env, emit: () => {} });
  runs.push(run);
  return run;
}

describe('prepareImageRun', () => {
  it('gives -e pairs to the container only: PATH, HOME and CONTAINERS_CONF of the CLI itself stay as they were', async () => {
    const { projectDir, env } = setup();
    const run = await prepare(projectDir, env, { PATH: '/opt/mytools', HOME: '/nowhere', CONTAINERS_CONF: '/missing.conf', TOKEN: 'a=b c' });
    expect(run.env.PATH).toBe(env.PATH);
    expect(run.env.HOME).toBe(env.HOME);
    expect(run.env.CONTAINERS_CONF).toBeUndefined();
    // The values are in the env-file, readable by this user only, and not on the command line.
    expect(fs.readFileSync(run.envFile, 'utf8')).toBe('HO_STAGE=dev\nPATH=/opt/mytools\nHOME=/nowhere\nCONTAINERS_CONF=/missing.conf\nTOKEN=a=b c\n');
    expect(fs.statSync(run.envFile).mode & 0o777).toBe(0o600);
    expect(run.args.join(' ')).not.toContain('/opt/mytools');
    expect(run.args.join(' ')).not.toContain('a=b c');
    const at = run.args.indexOf('--env-file');
    expect(run.args[at + 1]).toBe(run.envFile);
    // The store's access is still passed by name, after the env-file, so it wins over an -e of the same name.
    expect(run.args.slice(at + 2, at + 4)).toEqual(['-e', 'HANDOFF_HOME']);
    expect(run.env.HANDOFF_HOME).toBe('/handoff-home');
    run.dispose();
    expect(fs.existsSync(path.dirname(run.envFile))).toBe(false);
  });

  it('refuses a value with a line break and a name an env-file would misread (exit 2), leaving no env-file', async () => {
    const { projectDir, env } = setup();
    const before = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('handoff-env-')).length;
    await expect(prepare(projectDir, env, { KEY: 'one\ntwo' })).rejects.toThrow(/-e KEY holds a line break/);
    await expect(prepare(projectDir, env, { '#KEY': 'x' })).rejects.toThrow(UserError);
    await expect(prepare(projectDir, env, { 'A B': 'x' })).rejects.toThrow(/not a name/);
    expect(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('handoff-env-')).length).toBe(before);
  });

  it('refuses a HANDOFF_HOME with ":" in its path, which -v cannot mount, with exit 2 and a way out', async () => {
    const { projectDir, env } = setup(path.join(tempDir(), 'home:colon'));
    const attempt = prepare(projectDir, env, {});
    await expect(attempt).rejects.toThrow(/has a ":" in its path/);
    await expect(attempt).rejects.toMatchObject({ exitCode: 2, fix: expect.stringContaining('ln -s') });
  });
});
