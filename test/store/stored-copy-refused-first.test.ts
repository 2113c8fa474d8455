// `handoff run` refuses a stored copy it cannot run before it makes anything in the workspace: bad input leaves it as it was.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli } from '../helpers/cli.js';

const PROJECT_YML = `tasks:
- name: t
  commands:
  - command: echo ok
deploy:
  cloud_provider: local
  resource_group: rg
  task: refused
`;

/** Everything under a folder, as relative paths (absent: null). */
function listTree(dir: string): string[] | null {
  if (!fs.existsSync(dir)) return null;
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

async function pushedProject(): Promise<{ home: string; storedFile: string; run: (workspaceDir: string) => ReturnType<typeof runCli> }> {
  const home = makeTempDir('handoff-home-');
  const { projectDir } = makeProject(PROJECT_YML, { 'files/a.txt': 'a\n' });
  for (const args of [['cloud', 'bucket', 'create'], ['project', 'push', '-y']]) {
    const result = await runCli([...args, '-p', projectDir], { env: { HANDOFF_HOME: home } });
    expect(result.code, result.stderr).toBe(0);
  }
  // The store's artifacts, which a run fetches over the workspace's.
  const lastArtifacts = path.join(home, 'buckets', 'handoff-dev-rg', 'refused', 'artifacts', 'last');
  fs.mkdirSync(lastArtifacts, { recursive: true });
  fs.writeFileSync(path.join(lastArtifacts, 'state.json'), '{"from": "store"}\n');
  const storedFile = path.join(home, 'buckets', 'handoff-dev-rg', 'refused', 'project.yml');
  const run = (workspaceDir: string) => runCli(['run', '-e', 'resource_group=rg', 'task=refused', '-w', workspaceDir], { env: { HANDOFF_HOME: home } });
  return { home, storedFile, run };
}

describe('handoff run of a stored copy it refuses', () => {
  it.each([
    ['not valid YAML', 'tasks:\n  - name: [unclosed\n', 'is not valid YAML'],
    ['refused by its structure', 'tasks:\n  - name: t\n    comands:\n      - command: echo c\n', 'task "t" has none of'],
    ['a template that does not parse', 'tasks:\n  - name: t\n    commands:\n      - command: echo\n        args: "{{ foo"\n', 'expected variable end'],
  ])('(%s) makes no workspace, and names the stored file', async (_, text, problem) => {
    const { storedFile, run } = await pushedProject();
    fs.writeFileSync(storedFile, text);
    const workspaceDir = path.join(makeTempDir(), 'ws');
    const result = await run(workspaceDir);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(problem);
    expect(result.stderr).toContain(storedFile);
    expect(result.stderr).toContain('then push it again');
    expect(listTree(workspaceDir)).toBeNull();
  });

  it('leaves an existing workspace as it was: its artifacts (state) are not replaced by the store\'s, no copy is kept', async () => {
    const { storedFile, run } = await pushedProject();
    const workspaceDir = path.join(makeTempDir(), 'ws');
    const first = await run(workspaceDir);
    expect(first.code, first.stderr).toBe(0);
    fs.writeFileSync(path.join(workspaceDir, 'artifacts', 'state.json'), '{"from": "workspace"}\n');
    const before = listTree(workspaceDir);
    const copy = fs.readFileSync(path.join(workspaceDir, '.handoff', 'project', 'project.yml'), 'utf8');

    fs.writeFileSync(storedFile, 'tasks:\n  - name: [unclosed\n');
    const refused = await run(workspaceDir);
    expect(refused.code, refused.stderr).toBe(2);
    expect(listTree(workspaceDir)).toEqual(before);
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'state.json'), 'utf8')).toBe('{"from": "workspace"}\n');
    expect(fs.readFileSync(path.join(workspaceDir, '.handoff', 'project', 'project.yml'), 'utf8')).toBe(copy);
  });
});
