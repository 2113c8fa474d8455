// Folders handoff cannot create (a file in the way, a dangling link, /proc): exit 2 naming the folder, never a crash or a hang.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli } from './helpers/cli.js';

describe('folders that cannot be created', () => {
  it('run local and workspace init with -w naming a regular file: exit 2 naming the workspace (the project cache write crashed)', async () => {
    const { projectDir } = makeProject('tasks:\n- name: t\n  commands:\n  - command: echo hi\n');
    const afile = path.join(makeTempDir(), 'afile');
    fs.writeFileSync(afile, 'mine');
    for (const args of [['run', 'local', '-p', projectDir, '-w', afile], ['workspace', 'init', '-w', afile], ['workspace', 'install', '-p', projectDir, '-w', afile]]) {
      const r = await runCli(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`error: cannot create or write the workspace ${afile}: ${afile} is a file, not a folder`);
      expect(r.stderr).not.toContain('This is a bug');
    }
    expect(fs.readFileSync(afile, 'utf8')).toBe('mine');
  });

  it('a regular file where a venv or a workspace folder must be: exit 2 naming it and what to do, nothing changed (a venv crashed with ENOTDIR)', async () => {
    const { projectDir } = makeProject('installs:\n- venv: tap\n  command: echo installed\ntasks:\n- name: t\n  commands:\n  - command: echo hi\n    venv: tap\n');
    const workspace = makeTempDir();
    fs.writeFileSync(path.join(workspace, 'tap'), 'mine');
    const install = await runCli(['workspace', 'install', '-p', projectDir, '-w', workspace]);
    expect(install.code, install.stderr).toBe(2);
    expect(install.stderr).toContain(`error: ${path.join(workspace, 'tap')} is a file, not a folder: handoff keeps venv tap (installs[0].venv) there; nothing was changed`);
    expect(install.stderr).toContain('fix: move or remove that file');
    expect(install.stderr).not.toContain('This is a bug');
    expect(fs.readdirSync(workspace)).toEqual(['tap']);
    expect(fs.readFileSync(path.join(workspace, 'tap'), 'utf8')).toBe('mine');
    for (const name of ['files', 'artifacts', 'runs', '.handoff']) {
      const ws = makeTempDir();
      fs.writeFileSync(path.join(ws, name), 'mine');
      for (const args of [['workspace', 'init', '-w', ws], ['workspace', 'install', '-p', projectDir, '-w', ws], ['run', 'local', '-p', projectDir, '-w', ws]]) {
        const r = await runCli(args);
        expect(r.code, `${name} ${args.join(' ')}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toContain(`error: ${path.join(ws, name)} is a file, not a folder: handoff keeps `);
        expect(r.stderr).not.toContain('This is a bug');
        expect(fs.readFileSync(path.join(ws, name), 'utf8')).toBe('mine');
        // run local may leave its validated-project cache in .handoff; nothing else is made.
        expect(fs.readdirSync(ws).filter((n) => n !== '.handoff' || name === '.handoff')).toEqual([name]);
      }
    }
  });

  it('quick_start make into a folder it cannot create: exit 2 naming it, with a fix', async () => {
    const root = makeTempDir();
    fs.writeFileSync(path.join(root, 'afile'), '');
    fs.symlinkSync(path.join(root, 'missing'), path.join(root, 'dangling'));
    for (const [target, said] of [['afile', 'is a file, not a folder'], ['afile/q', 'ENOTDIR'], ['dangling/q', 'EEXIST']]) {
      const r = await runCli(['quick_start', 'make', '-p', target!], { cwd: root });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`error: cannot write the example projects into ${path.join(root, target!)}: `);
      expect(r.stderr).toContain(said);
      expect(r.stderr).toContain('fix: choose a folder you can write to with -p DIR');
    }
    expect(fs.readdirSync(root).sort()).toEqual(['afile', 'dangling']);
  });

  it.runIf(fs.existsSync('/proc/self'))('a folder under /proc: exit 2 at once (Node\'s recursive mkdir loops forever there)', async () => {
    for (const args of [['quick_start', 'make', '-p', '/proc/handoff-x'], ['workspace', 'init', '-w', '/proc/handoff-x/ws']]) {
      const r = await runCli(args, { timeoutMs: 20_000 });
      expect(r.signal).toBeNull();
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain("ENOENT: no such file or directory, mkdir '/proc/handoff-x'");
    }
  });
});
