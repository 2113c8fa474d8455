import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { parseProject } from '../project/parse-project.js';
import { assembleBuildContext, type BuildContext } from './assemble-build-context.js';

const made: string[] = [];
const contexts: BuildContext[] = [];
afterEach(() => {
  for (const c of contexts.splice(0)) c.remove();
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-ctx-test-'));
  made.push(dir);
  return dir;
}

function write(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
}

/** A fake handoff package: only what the context copies. */
function fakeHandoff(): string {
  const root = tempDir();
  write(root, { 'package.json': '{"name":"handoff","type":"module"}', 'bin/handoff.js': '#!/usr/bin/env node\n', 'dist/handoff.js': '', 'dist/handoff.js.map': '{}', 'dist/chunks/a.js': '', 'dist/chunks/a.js.map': '{}', 'src/secret.ts': '' });
  return root;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const name of fs.readdirSync(d).sort()) {
      const abs = path.join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(abs);
      if (st.isDirectory()) walk(abs, r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out;
}

function assemble(projectDir: string, yml: string, extra: { excludeDirs?: string[] } = {}): BuildContext {
  const { project } = parseProject(yml, path.join(projectDir, 'project.yml'), projectDir);
  const context = assembleBuildContext({ project, handoffRoot: fakeHandoff(), dockerfile: 'FROM x\n', installProjects: ['a\n', 'b\n'], ...extra });
  contexts.push(context);
  return context;
}

describe('assembleBuildContext', () => {
  it('copies the project without .secrets/, .git, node_modules, venvs or a workspace, and handoff without its sources or source maps', () => {
    const root = tempDir();
    const projectDir = path.join(root, 'project');
    write(projectDir, {
      'project.yml': 'tasks: []\n',
      'files/config.json': '{}',
      'files/nested/.secrets/token': 'NESTED-SECRET',
      '.secrets/dev_secrets.yml': '- key: t\n  value: TOP-SECRET\n',
      '.git/HEAD': 'ref',
      'node_modules/x/index.js': '',
      'venv/pyvenv.cfg': 'home = /usr/bin',
      'venv/bin/python': '',
      'ws/artifacts/out.csv': 'x',
      'ws/runs/1.json': '{}',
      'ws/files/a': '',
      'custom-ws/venvs.txt': '',
      'README.md': 'hello',
    });
    const context = assemble(projectDir, 'tasks: []\n', { excludeDirs: [path.join(projectDir, 'custom-ws')] });
    expect(listFiles(context.dir)).toEqual([
      'Dockerfile',
      'handoff/bin/handoff.js',
      'handoff/dist/chunks/a.js',
      'handoff/dist/handoff.js',
      'handoff/package.json',
      'installs/1/project.yml',
      'installs/2/project.yml',
      'project/README.md',
      'project/project.yml',
      'project-files/config.json',
    ]);
    expect(context.excluded.map((e) => e.path).sort()).toEqual(['.git', '.secrets', 'custom-ws', 'files/nested/.secrets', 'node_modules', 'venv', 'ws']);
    expect(fs.readFileSync(path.join(context.dir, 'installs/2/project.yml'), 'utf8')).toBe('b\n');
  });

  it('keeps file modes and links inside the project, and drops links into .secrets/ or out of the project', () => {
    const root = tempDir();
    const projectDir = path.join(root, 'project');
    write(projectDir, { 'project.yml': '', 'files/run.sh': '#!/bin/sh\n', 'files/data.csv': 'a,b\n', '.secrets/secrets.yml': 'SECRET', [path.join('..', 'outside.txt')]: 'out' });
    fs.chmodSync(path.join(projectDir, 'files/run.sh'), 0o755);
    fs.symlinkSync('data.csv', path.join(projectDir, 'files/alias.csv'));
    fs.symlinkSync('../.secrets/secrets.yml', path.join(projectDir, 'files/leak.yml'));
    fs.symlinkSync('../../outside.txt', path.join(projectDir, 'files/outside.txt'));
    fs.symlinkSync('.secrets', path.join(projectDir, 'secrets-link'));
    const context = assemble(projectDir, 'tasks: []\n');
    const files = path.join(context.dir, 'project-files');
    expect(fs.statSync(path.join(files, 'run.sh')).mode & 0o777).toBe(0o755);
    expect(fs.readlinkSync(path.join(files, 'alias.csv'))).toBe('data.csv');
    expect(fs.existsSync(path.join(files, 'leak.yml'))).toBe(false);
    expect(fs.existsSync(path.join(files, 'outside.txt'))).toBe(false);
    expect(fs.existsSync(path.join(context.dir, 'project', 'secrets-link'))).toBe(false);
    expect(context.excluded.map((e) => e.path).sort()).toEqual(['.secrets', 'files/leak.yml', 'files/outside.txt', 'secrets-link']);
    // Nothing in the whole context holds the secret's bytes.
    for (const f of listFiles(context.dir)) {
      const p = path.join(context.dir, f);
      if (!fs.lstatSync(p).isSymbolicLink()) expect(fs.readFileSync(p, 'utf8')).not.toContain('SECRET');
    }
  });

  it('puts container.files_dir at the root of the context, refusing reserved names and secrets folders', () => {
    const root = tempDir();
    const projectDir = path.join(root, 'project');
    write(projectDir, { 'project.yml': '', 'build/requirements.txt': 'x', 'build/.secrets/k': 'S' });
    const context = assemble(projectDir, 'container:\n  files_dir: build\n');
    expect(fs.readFileSync(path.join(context.dir, 'requirements.txt'), 'utf8')).toBe('x');
    expect(fs.existsSync(path.join(context.dir, '.secrets'))).toBe(false);

    write(projectDir, { 'build/Dockerfile': 'FROM y' });
    expect(() => assemble(projectDir, 'container:\n  files_dir: build\n')).toThrow(/"Dockerfile", a name handoff uses/);
    write(projectDir, { '.secrets/secrets.yml': '' });
    expect(() => assemble(projectDir, 'container:\n  files_dir: .secrets\n')).toThrow(/is a secrets folder/);
    expect(() => assemble(projectDir, 'container:\n  files_dir: .secrets\n')).toThrow(UserError);
    expect(() => assemble(projectDir, 'container:\n  files_dir: missing\n')).toThrow(/is not a folder/);
  });

  it('says to build handoff when its bundle is missing, and leaves no folder behind', () => {
    const root = tempDir();
    write(root, { 'project/project.yml': '' });
    const { project } = parseProject('tasks: []\n', path.join(root, 'project', 'project.yml'), path.join(root, 'project'));
    const parentDir = tempDir();
    const attempt = (): unknown => assembleBuildContext({ project, handoffRoot: tempDir(), dockerfile: '', installProjects: [], parentDir });
    expect(attempt).toThrow(/bundle is missing/);
    expect(() => attempt()).toThrow(expect.objectContaining({ fix: 'run `npm run build` in the handoff folder first' }));
    expect(fs.readdirSync(parentDir)).toEqual([]);
  });
});
