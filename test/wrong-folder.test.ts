// Wrong-folder slips name what is there (docs10 review, finding 9): a project.yaml, sub-folders holding a project.yml,
// and `-p .` when the command was run inside a project folder without -p.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir, runCli } from './helpers/cli.js';

const PROJECT = 'tasks:\n  - name: t\n    commands:\n      - command: "true"\n';

describe('-p at a folder without project.yml', () => {
  it('names a project.yaml there: rename it', async () => {
    const dir = makeTempDir();
    fs.writeFileSync(path.join(dir, 'project.yaml'), PROJECT);
    const r = await runCli(['run', 'local', '-p', dir, '-w', makeTempDir()]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`fix: ${path.join(dir, 'project.yaml')} is there: handoff reads project.yml (rename it: mv ${path.join(dir, 'project.yaml')} ${path.join(dir, 'project.yml')})`);
  });

  it('lists sub-folders that hold a project.yml', async () => {
    const dir = makeTempDir();
    for (const sub of ['alpha', 'beta']) {
      fs.mkdirSync(path.join(dir, sub));
      fs.writeFileSync(path.join(dir, sub, 'project.yml'), PROJECT);
    }
    fs.mkdirSync(path.join(dir, 'empty'));
    const r = await runCli(['config', 'validate', 'local', '-p', dir]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`fix: these sub-folders hold a project.yml: -p ${path.join(dir, 'alpha')}, -p ${path.join(dir, 'beta')}`);
    expect(r.stderr).not.toContain('empty');
  });
});

describe('no -p, inside a project folder', () => {
  it('suggests -p .', async () => {
    const dir = makeTempDir();
    fs.writeFileSync(path.join(dir, 'project.yml'), PROJECT);
    const r = await runCli(['run', 'local', '-w', makeTempDir()], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('fix: add -p . (this folder holds project.yml)');
  });
});
