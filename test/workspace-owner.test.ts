// A workspace is handoff's and one project's: a folder it never made keeps its files/ and venv-named folders, and a
// workspace of one project does not silently feed another project its Singer state.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli } from './helpers/cli.js';

const ONE_TASK = 'tasks:\n- name: t\n  commands:\n  - command: cat files/text.txt\n';

/** Every file under `dir`, relative, sorted. */
function listFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

describe('a folder handoff did not make', () => {
  it('keeps its own files/: a run in it is refused with exit 2 and nothing is removed or made', async () => {
    const { projectDir } = makeProject(ONE_TASK, { 'files/text.txt': 'hello\n' });
    const home = makeTempDir();
    fs.mkdirSync(path.join(home, 'files', 'thesis'), { recursive: true });
    fs.writeFileSync(path.join(home, 'files', 'thesis', 'chapter1.txt'), 'precious\n');
    fs.mkdirSync(path.join(home, 'artifacts'));
    fs.writeFileSync(path.join(home, 'artifacts', 'notes.txt'), 'keep\n');
    // handoff's own home (~/.handoff, the local store) is no sign of a workspace.
    fs.mkdirSync(path.join(home, '.handoff', 'buckets'), { recursive: true });
    const before = listFiles(home);

    for (const args of [['run', 'local', '-p', projectDir, '-w', home], ['workspace', 'init', '-w', home], ['files', 'get', 'local', '-p', projectDir, '-w', home]]) {
      const r = await runCli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`${path.join(home, 'files')} holds files handoff did not write (files/thesis/chapter1.txt)`);
      expect(r.stderr).toContain('fix: use an empty or new folder for the workspace');
    }
    expect(listFiles(home)).toEqual(before);
    expect(fs.existsSync(path.join(home, 'runs'))).toBe(false);
  });

  it('upgrades workspaces of earlier handoffs: one with runs/, and one of the original holding only its render of this project', async () => {
    const { projectDir } = makeProject(ONE_TASK, { 'files/text.txt': 'hello\n' });
    const older = makeTempDir();
    fs.mkdirSync(path.join(older, 'runs'));
    fs.mkdirSync(path.join(older, 'files'));
    fs.writeFileSync(path.join(older, 'files', 'retired.sql'), 'select 1\n');
    const r1 = await runCli(['run', 'local', '-p', projectDir, '-w', older]);
    expect(r1.code, r1.stderr).toBe(0);
    // Its render is handoff's: what files/ no longer has is removed, as before.
    expect(listFiles(path.join(older, 'files'))).toEqual(['text.txt']);

    const original = makeTempDir();
    fs.mkdirSync(path.join(original, 'files'));
    fs.mkdirSync(path.join(original, 'artifacts'));
    fs.writeFileSync(path.join(original, 'files', 'text.txt'), 'hello from an old render\n');
    const r2 = await runCli(['run', 'local', '-p', projectDir, '-w', original]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(fs.readFileSync(path.join(original, 'files', 'text.txt'), 'utf8')).toBe('hello\n');
    // Now marked as handoff's: a file the project does not have is handoff's to remove at the next run.
    fs.writeFileSync(path.join(original, 'files', 'left-by-a-command.txt'), 'x\n');
    const r3 = await runCli(['run', 'local', '-p', projectDir, '-w', original]);
    expect(r3.code, r3.stderr).toBe(0);
    expect(listFiles(path.join(original, 'files'))).toEqual(['text.txt']);
  });

  it("never makes a venv inside, nor with --force deletes, a folder of the user's named like the venv", async () => {
    const { projectDir } = makeProject('installs:\n- venv: tap\n  command: "true"\n' + ONE_TASK.replace('cat files/text.txt', 'echo hi'));
    const home = makeTempDir();
    fs.mkdirSync(path.join(home, 'tap'));
    fs.writeFileSync(path.join(home, 'tap', 'notes.txt'), 'mine\n');
    for (const extra of [[], ['--force']]) {
      const r = await runCli(['workspace', 'install', '-p', projectDir, '-w', home, ...extra], { timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${path.join(home, 'tap')} (venv tap, installs[0].venv) is a folder that is not a venv`);
      expect(fs.readdirSync(path.join(home, 'tap'))).toEqual(['notes.txt']);
    }
  }, 180_000);
});

describe('a workspace of one project', () => {
  const rates = (currency: string): string => `tasks:\n- name: t\n  commands:\n  - command: "echo ${currency} >> artifacts/seen.txt; echo {{ _stage }} >> artifacts/stages.txt"\n`;

  it('refuses a run of another project (exit 2, naming both) until its mark is removed', async () => {
    const a = makeProject(rates('USD'));
    const b = makeProject(rates('EUR'));
    const ws = a.workspaceDir;
    const first = await runCli(['run', 'local', '-p', a.projectDir, '-w', ws]);
    expect(first.code, first.stderr).toBe(0);
    fs.writeFileSync(path.join(ws, 'artifacts', 'state.json'), '{"bookmarks":{"usd":"2024-02-29"}}');

    const other = await runCli(['run', 'local', '-p', b.projectDir, '-w', ws]);
    expect(other.code, other.stderr).toBe(2);
    expect(other.stderr).toContain(`the workspace ${ws} belongs to project ${fs.realpathSync(a.projectDir)}`);
    expect(other.stderr).toContain(`this run is of project ${fs.realpathSync(b.projectDir)}`);
    expect(other.stderr).toContain(`fix: use a workspace per project`);
    expect(other.stderr).toContain(path.join(ws, '.handoff', 'owner.json'));
    // Nothing ran, nothing was recorded.
    expect(fs.readFileSync(path.join(ws, 'artifacts', 'seen.txt'), 'utf8')).toBe('USD\n');
    expect(fs.readdirSync(path.join(ws, 'runs')).filter((n) => n.endsWith('.json'))).toHaveLength(1);
    const dry = await runCli(['run', 'local', '-p', b.projectDir, '-w', ws, '--dry-run']);
    expect(dry.code).toBe(2);

    // The way on the fix names: the workspace is handed over.
    fs.rmSync(path.join(ws, '.handoff', 'owner.json'));
    const handedOver = await runCli(['run', 'local', '-p', b.projectDir, '-w', ws]);
    expect(handedOver.code, handedOver.stderr).toBe(0);
    expect(fs.readFileSync(path.join(ws, 'artifacts', 'seen.txt'), 'utf8')).toBe('USD\nEUR\n');
    const backToA = await runCli(['run', 'local', '-p', a.projectDir, '-w', ws]);
    expect(backToA.code).toBe(2);
  });

  it('follows its project when the project folder is moved, with a warning', async () => {
    const a = makeProject(rates('USD'));
    const ws = a.workspaceDir;
    expect((await runCli(['run', 'local', '-p', a.projectDir, '-w', ws])).code).toBe(0);
    const moved = `${a.projectDir}-renamed`;
    fs.renameSync(a.projectDir, moved);
    const r = await runCli(['run', 'local', '-p', moved, '-w', ws]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`belonged to project ${fs.realpathSync(path.dirname(moved))}${path.sep}project, which holds no project.yml now`);
    // The mark follows: no warning the next time.
    const again = await runCli(['run', 'local', '-p', moved, '-w', ws]);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('holds no project.yml now');
  });

  it('warns when another stage of the project resumes from the Singer state of the stage run there before', async () => {
    const a = makeProject(rates('USD'));
    const ws = a.workspaceDir;
    expect((await runCli(['run', 'local', '-p', a.projectDir, '-w', ws])).code).toBe(0);
    fs.writeFileSync(path.join(ws, 'artifacts', 'state.json'), '{}');
    const prod = await runCli(['run', 'local', '-p', a.projectDir, '-w', ws, '-s', 'prod']);
    expect(prod.code, prod.stderr).toBe(0);
    expect(prod.stderr).toContain('the last run in this workspace was of stage dev: this run of stage prod resumes from its Singer state');
    const prodAgain = await runCli(['run', 'local', '-p', a.projectDir, '-w', ws, '-s', 'prod']);
    expect(prodAgain.stderr).not.toContain('resumes from its Singer state');
  });
});
