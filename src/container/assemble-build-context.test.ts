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

/** The image's /project as the generated Dockerfile lays it out: install-files/ and project-files/ as files/, then project/. */
function layOutImage(context: BuildContext): string {
  const image = path.join(tempDir(), 'project');
  fs.cpSync(path.join(context.dir, 'project'), image, { recursive: true, verbatimSymlinks: true });
  if (fs.existsSync(path.join(context.dir, 'install-files'))) fs.cpSync(path.join(context.dir, 'install-files'), path.join(image, 'files'), { recursive: true, verbatimSymlinks: true });
  fs.cpSync(path.join(context.dir, 'project-files'), path.join(image, 'files'), { recursive: true, verbatimSymlinks: true });
  return image;
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

  it('takes files/ that is a link to a folder of the project as that folder, its links read from /project/files', () => {
    const root = tempDir();
    const projectDir = path.join(root, 'project');
    write(projectDir, { 'project.yml': 'tasks: []\n', 'data/files/a.txt': 'A', 'data/files/sub/b.txt': 'B', 'data/other.txt': 'O' });
    fs.symlinkSync('data/files', path.join(projectDir, 'files'));
    fs.symlinkSync('a.txt', path.join(projectDir, 'data/files/alias.txt'));
    fs.symlinkSync('../other.txt', path.join(projectDir, 'data/files/up.txt'));
    const context = assemble(projectDir, 'tasks: []\n');
    expect(listFiles(path.join(context.dir, 'project-files'))).toEqual(['a.txt', 'alias.txt', 'sub/b.txt', 'up.txt']);
    const image = layOutImage(context);
    expect(fs.readFileSync(path.join(image, 'files', 'sub', 'b.txt'), 'utf8')).toBe('B');
    expect(fs.readFileSync(path.join(image, 'files', 'alias.txt'), 'utf8')).toBe('A');
    expect(fs.readFileSync(path.join(image, 'files', 'up.txt'), 'utf8')).toBe('O');
  });

  it('refuses a files/ that is a plain file, a link out of the project or into .secrets/, as a UserError', () => {
    const root = tempDir();
    const plain = path.join(root, 'plain');
    write(plain, { 'project.yml': '', files: 'not a folder' });
    expect(() => assemble(plain, 'tasks: []\n')).toThrow(/files is not a folder/);
    expect(() => assemble(plain, 'tasks: []\n')).toThrow(UserError);
    const out = path.join(root, 'out');
    write(out, { 'project.yml': '', '../elsewhere/a.txt': 'A' });
    fs.symlinkSync(path.join(root, 'elsewhere'), path.join(out, 'files'));
    expect(() => assemble(out, 'tasks: []\n')).toThrow(/outside the project/);
    const secret = path.join(root, 'secret');
    write(secret, { 'project.yml': '', '.secrets/x/a.txt': 'S' });
    fs.symlinkSync('.secrets/x', path.join(secret, 'files'));
    expect(() => assemble(secret, 'tasks: []\n')).toThrow(/left out of the image \(secrets are never put in an image\)/);
  });

  it('makes absolute links inside the project relative, so they lead to the same file in the image', () => {
    const root = tempDir();
    const projectDir = path.join(root, 'project');
    write(projectDir, { 'conf/project.yml': 'tasks: []\n', 'files/real.txt': 'R', 'build/req.txt': 'Q' });
    fs.symlinkSync(path.join(projectDir, 'conf', 'project.yml'), path.join(projectDir, 'project.yml'));
    fs.symlinkSync(path.join(projectDir, 'files', 'real.txt'), path.join(projectDir, 'files', 'abs_link.txt'));
    fs.symlinkSync(path.join(projectDir, 'files', 'real.txt'), path.join(projectDir, 'conf', 'deep.txt'));
    fs.symlinkSync(path.join(projectDir, 'build', 'req.txt'), path.join(projectDir, 'build', 'abs.txt'));
    const context = assemble(projectDir, 'tasks: []\ncontainer:\n  files_dir: build\n');
    expect(fs.readlinkSync(path.join(context.dir, 'project', 'project.yml'))).toBe('conf/project.yml');
    expect(fs.readlinkSync(path.join(context.dir, 'project-files', 'abs_link.txt'))).toBe('real.txt');
    expect(fs.readlinkSync(path.join(context.dir, 'abs.txt'))).toBe('req.txt');
    const image = layOutImage(context);
    expect(fs.readFileSync(path.join(image, 'project.yml'), 'utf8')).toBe('tasks: []\n');
    expect(fs.readFileSync(path.join(image, 'files', 'abs_link.txt'), 'utf8')).toBe('R');
    expect(fs.readFileSync(path.join(image, 'conf', 'deep.txt'), 'utf8')).toBe('R');
  });

  it('copies a read-only folder with its mode, and removes the context with it', () => {
    const root = tempDir();
    const projectDir = path.join(root, 'project');
    write(projectDir, { 'project.yml': '', 'files/ro/data.txt': 'x' });
    fs.chmodSync(path.join(projectDir, 'files', 'ro'), 0o555);
    const context = assemble(projectDir, 'tasks: []\n');
    fs.chmodSync(path.join(projectDir, 'files', 'ro'), 0o755);
    expect(fs.statSync(path.join(context.dir, 'project-files', 'ro')).mode & 0o777).toBe(0o555);
    expect(fs.readFileSync(path.join(context.dir, 'project-files', 'ro', 'data.txt'), 'utf8')).toBe('x');
    context.remove();
    expect(fs.existsSync(context.dir)).toBe(false);
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
  it('refuses a secrets file of a folder the build was not told about, wherever it is, and copies it when that folder is given', () => {
    const projectDir = tempDir();
    write(projectDir, {
      'project.yml': '',
      'secrets/dev_secrets.yml': '- key: DB_PASSWORD\n  value: SDIR-SECRET-77aa\n',
      'files/conf/prod-secrets.yaml': '- key: A\n  file: a.json\n',
      'files/not-secret/k8s-secrets.yml': 'kind: Secret\nmetadata: {name: x}\n',
      'files/template_secrets.yml': '- key: {{ broken\n',
    });
    const parentDir = tempDir();
    const attempt = (excludeDirs: string[] = []): BuildContext => {
      const { project } = parseProject('tasks: []\n', path.join(projectDir, 'project.yml'), projectDir);
      const context = assembleBuildContext({ project, handoffRoot: fakeHandoff(), dockerfile: '', installProjects: [], excludeDirs, parentDir });
      contexts.push(context);
      return context;
    };
    let error: UserError | undefined;
    try {
      attempt();
    } catch (e) {
      error = e as UserError;
    }
    expect(error).toBeInstanceOf(UserError);
    expect(error!.exitCode).toBe(2);
    // Each file named like a secrets file holding key: entries, or that YAML cannot read; a manifest is no secrets list.
    expect(error!.message).toBe('files/conf/prod-secrets.yaml, files/template_secrets.yml, secrets/dev_secrets.yml look like a handoff secrets file (a list of key: entries), which would be copied into the image');
    expect(error!.fix).toContain(`-v secrets_dir=${path.relative(process.cwd(), path.join(projectDir, 'secrets'))}`);
    expect(error!.message + error!.fix).not.toContain('SDIR-SECRET');
    // Nothing of the project is left behind in the temporary folder.
    expect(fs.readdirSync(parentDir)).toEqual([]);

    fs.rmSync(path.join(projectDir, 'files', 'conf'), { recursive: true });
    fs.rmSync(path.join(projectDir, 'files', 'template_secrets.yml'));
    const context = attempt([path.join(projectDir, 'secrets')]);
    expect(listFiles(context.dir).filter((f) => f.includes('secrets'))).toEqual(['project-files/not-secret/k8s-secrets.yml']);
    expect(context.excluded).toContainEqual({ path: 'secrets', reason: 'workspace or secrets folder named on the command line' });
  });
  it('puts what the installs name under files/ in install-files/ (a named file with its folder), the rest in project-files/', () => {
    const projectDir = tempDir();
    const files = {
      'files/wheels/a.whl': 'A',
      'files/pkgs/mytarget/setup.py': 'S',
      'files/pkgs/mytarget/m.py': 'M',
      'files/pkgs/other/x.py': 'X',
      'files/tools/install.sh': 'I',
      'files/tools/requirements.txt': 'R',
      'files/query.sql': 'select 1',
    };
    write(projectDir, { 'project.yml': '', ...files });
    fs.chmodSync(path.join(projectDir, 'files', 'pkgs'), 0o750);
    const { project } = parseProject('tasks: []\n', path.join(projectDir, 'project.yml'), projectDir);
    const context = assembleBuildContext({
      project,
      handoffRoot: fakeHandoff(),
      dockerfile: '',
      installProjects: [],
      installFiles: ['wheels', 'pkgs/mytarget', 'pkgs/mytarget/setup.py', 'tools/install.sh', 'missing'],
    });
    contexts.push(context);
    expect(listFiles(path.join(context.dir, 'install-files'))).toEqual(['pkgs/mytarget/m.py', 'pkgs/mytarget/setup.py', 'tools/install.sh', 'tools/requirements.txt', 'wheels/a.whl']);
    expect(listFiles(path.join(context.dir, 'project-files'))).toEqual(['pkgs/other/x.py', 'query.sql']);
    expect(fs.statSync(path.join(context.dir, 'install-files', 'pkgs')).mode & 0o777).toBe(0o750);
    // Both copied to /project/files make files/ whole again.
    const image = layOutImage(context);
    expect(listFiles(path.join(image, 'files'))).toEqual(Object.keys(files).map((f) => f.slice('files/'.length)).sort());
    // '' is all of files/; without installFiles (a custom Dockerfile) files/ stays whole in project-files/.
    const all = assembleBuildContext({ project, handoffRoot: fakeHandoff(), dockerfile: '', installProjects: [], installFiles: [''] });
    contexts.push(all);
    expect(listFiles(path.join(all.dir, 'project-files'))).toEqual([]);
    expect(listFiles(path.join(all.dir, 'install-files'))).toHaveLength(7);
    const custom = assemble(projectDir, 'tasks: []\n');
    expect(fs.existsSync(path.join(custom.dir, 'install-files'))).toBe(false);
    expect(listFiles(path.join(custom.dir, 'project-files'))).toHaveLength(7);
  });
});
