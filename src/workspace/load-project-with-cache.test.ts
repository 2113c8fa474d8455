// The validated-project cache: same result as loadProject, reused only while file, folder and build are unchanged.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { loadProject } from '../project/load-project.js';
import { LARGEST_PROJECT_FILE_BYTES, loadProjectWithCache, projectCachePath } from './load-project-with-cache.js';
import { MAX_PROJECT_FILE_BYTES } from '../project/parse-yaml-source.js';

const valid = `version: 0.3
descriptoin: a misspelled key, so the load has a warning
vars:
  - key: limit
    value: .inf
tasks:
  - name: hello
    commands:
      - command: echo hello
`;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function makeFolders(text: string, { workspace = true } = {}): { projectDir: string; workspaceDir: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-cache-'));
  dirs.push(root);
  const projectDir = path.join(root, 'project');
  const workspaceDir = path.join(root, 'ws');
  fs.mkdirSync(projectDir);
  if (workspace) fs.mkdirSync(workspaceDir);
  fs.writeFileSync(path.join(projectDir, 'project.yml'), text);
  return { projectDir, workspaceDir };
}

/** Rewrites the cached entry's project description, so a later load shows whether it came from the cache. */
function markCachedEntry(workspaceDir: string, description: string): void {
  const file = projectCachePath(workspaceDir);
  const entry = v8.deserialize(fs.readFileSync(file)) as { key: string; loaded: { project: { description?: string } } };
  entry.loaded.project.description = description;
  fs.writeFileSync(file, v8.serialize(entry));
}

async function failureOf(load: Promise<unknown>): Promise<UserError> {
  try {
    await load;
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected the load to fail');
}

describe('loadProjectWithCache', () => {
  it('returns what loadProject returns, warnings and non-JSON values included, from the cache the second time', async () => {
    const { projectDir, workspaceDir } = makeFolders(valid);
    const expected = await loadProject(projectDir);
    expect(expected.warnings.map((w) => w.hint)).toEqual(['did you mean "description"?']);
    expect(expected.project.vars[0]?.value).toBe(Number.POSITIVE_INFINITY);

    const first = await loadProjectWithCache(projectDir, workspaceDir, { buildId: 'build-1' });
    expect(first).toEqual(expected);
    expect(fs.existsSync(projectCachePath(workspaceDir))).toBe(true);

    const second = await loadProjectWithCache(projectDir, workspaceDir, { buildId: 'build-1' });
    expect(second).toEqual(expected);
    markCachedEntry(workspaceDir, 'from the cache');
    expect((await loadProjectWithCache(projectDir, workspaceDir, { buildId: 'build-1' })).project.description).toBe('from the cache');
  });

  it('loads afresh when project.yml, the project folder as given, or the build changes', async () => {
    const { projectDir, workspaceDir } = makeFolders(valid);
    await loadProjectWithCache(projectDir, workspaceDir, { buildId: 'build-1' });
    markCachedEntry(workspaceDir, 'stale');

    expect((await loadProjectWithCache(projectDir, workspaceDir, { buildId: 'build-2' })).project.description).toBeUndefined();
    markCachedEntry(workspaceDir, 'stale');
    const relative = path.relative(process.cwd(), projectDir);
    const viaRelative = await loadProjectWithCache(relative, workspaceDir, { buildId: 'build-2' });
    expect(viaRelative.project.description).toBeUndefined();
    expect(viaRelative.warnings[0]?.location?.file).toBe(path.join(relative, 'project.yml'));

    markCachedEntry(workspaceDir, 'stale');
    fs.writeFileSync(path.join(projectDir, 'project.yml'), valid.replace('echo hello', 'echo changed'));
    const edited = await loadProjectWithCache(relative, workspaceDir, { buildId: 'build-2' });
    expect(edited.project.description).toBeUndefined();
    const body = edited.project.tasks[0]?.body;
    expect(body?.kind === 'commands' ? body.commands[0]?.command : undefined).toBe('echo changed');
  });

  it('sees an edit that keeps the length of the file, and tells the caller before each full load only', async () => {
    const { projectDir, workspaceDir } = makeFolders(valid);
    let fullLoads = 0;
    const load = () => loadProjectWithCache(projectDir, workspaceDir, { buildId: 'build-1', beforeFullLoad: () => fullLoads++ });
    await load();
    await load();
    expect(fullLoads).toBe(1);
    fs.writeFileSync(path.join(projectDir, 'project.yml'), valid.replace('echo hello', 'echo jello'));
    const edited = (await load()).project.tasks[0]?.body;
    expect(edited?.kind === 'commands' ? edited.commands[0]?.command : undefined).toBe('echo jello');
    expect(fullLoads).toBe(2);
  });

  it('never keeps an invalid project, and reports it exactly as loadProject does even after a valid one was kept', async () => {
    const { projectDir, workspaceDir } = makeFolders(valid);
    await loadProjectWithCache(projectDir, workspaceDir, { buildId: 'b' });
    const cached = fs.readFileSync(projectCachePath(workspaceDir));
    fs.writeFileSync(path.join(projectDir, 'project.yml'), 'tasks:\n  - name: broken\n    commands: 3\n');
    const expected = await failureOf(loadProject(projectDir));
    const actual = await failureOf(loadProjectWithCache(projectDir, workspaceDir, { buildId: 'b' }));
    expect(actual.message).toBe(expected.message);
    expect(actual.diagnostics).toEqual(expected.diagnostics);
    expect(fs.readFileSync(projectCachePath(workspaceDir))).toEqual(cached);

    fs.rmSync(path.join(projectDir, 'project.yml'));
    const missing = await failureOf(loadProjectWithCache(projectDir, workspaceDir, { buildId: 'b' }));
    expect(missing.message).toBe((await failureOf(loadProject(projectDir))).message);
  });

  it('creates no workspace, caches nothing without a build id, and survives a damaged cache file', async () => {
    const absent = makeFolders(valid, { workspace: false });
    await loadProjectWithCache(absent.projectDir, absent.workspaceDir, { buildId: 'b' });
    expect(fs.existsSync(absent.workspaceDir)).toBe(false);

    const unbuilt = makeFolders(valid);
    await loadProjectWithCache(unbuilt.projectDir, unbuilt.workspaceDir, { buildId: undefined });
    expect(fs.existsSync(projectCachePath(unbuilt.workspaceDir))).toBe(false);

    const damaged = makeFolders(valid);
    fs.mkdirSync(path.dirname(projectCachePath(damaged.workspaceDir)));
    fs.writeFileSync(projectCachePath(damaged.workspaceDir), 'not a cache entry');
    expect(await loadProjectWithCache(damaged.projectDir, damaged.workspaceDir, { buildId: 'b' })).toEqual(await loadProject(damaged.projectDir));
    expect(fs.readdirSync(path.dirname(projectCachePath(damaged.workspaceDir)))).toEqual(['validated-project.bin']);
  });

  it('loads in full, writing nothing, when the workspace or its .handoff/ is a file (the run then says what is wrong)', async () => {
    const { projectDir, workspaceDir } = makeFolders(valid, { workspace: false });
    fs.writeFileSync(workspaceDir, 'a file');
    expect(await loadProjectWithCache(projectDir, workspaceDir, { buildId: 'b' })).toEqual(await loadProject(projectDir));
    expect(fs.readFileSync(workspaceDir, 'utf8')).toBe('a file');
    expect(await loadProjectWithCache(projectDir, path.join(workspaceDir, 'ws'), { buildId: 'b' })).toEqual(await loadProject(projectDir));
    const dotHandoff = makeFolders(valid);
    fs.writeFileSync(path.join(dotHandoff.workspaceDir, '.handoff'), 'a file');
    expect(await loadProjectWithCache(dotHandoff.projectDir, dotHandoff.workspaceDir, { buildId: 'b' })).toEqual(await loadProject(dotHandoff.projectDir));
    expect(fs.readdirSync(dotHandoff.workspaceDir)).toEqual(['.handoff']);
  });

  it('leaves files over the size limit to loadProject, whose limit it mirrors', () => {
    expect(LARGEST_PROJECT_FILE_BYTES).toBe(MAX_PROJECT_FILE_BYTES);
  });
});
