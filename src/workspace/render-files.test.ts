// Tests for rendering P/files into W/files: templates, binary and executable files, atomicity, symbolic links.
import { describe, it, expect, beforeAll } from 'vitest';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { createRenderer, loadTemplateEngine } from '../template/render.js';
import { checkFiles, checkFileTemplateSyntax, FilesRenderStopped, PREVIOUS_FOLDER, renderFiles, STAGING_FOLDER } from './render-files.js';

// Templates need the engine, which the CLI loads before rendering (see loadTemplateEngine).
beforeAll(loadTemplateEngine);

function makeDirs() {
  const root = mkdtempSync(join(tmpdir(), 'handoff-files-'));
  const projectDir = join(root, 'project');
  const workspaceDir = join(root, 'workspace');
  mkdirSync(join(projectDir, 'files'), { recursive: true });
  mkdirSync(workspaceDir);
  return { root, projectDir, workspaceDir, files: join(projectDir, 'files'), out: join(workspaceDir, 'files') };
}

function makeRenderer() {
  const warnings: string[] = [];
  return { renderer: createRenderer({ strict: false, onWarning: (m) => warnings.push(m) }), warnings };
}

async function renderError(promise: Promise<unknown>): Promise<UserError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('expected an error');
}

describe('renderFiles', () => {
  it('renders text files with the values and keeps their exact bytes otherwise', async () => {
    const d = makeDirs();
    writeFileSync(join(d.files, 'config.json'), '{"stage": "{{ _stage }}"}\n');
    mkdirSync(join(d.files, 'sub', 'deep'), { recursive: true });
    writeFileSync(join(d.files, 'sub', 'deep', 'crlf.txt'), '\uFEFFa {{ x }}\r\nb\r\n\r\n');
    writeFileSync(join(d.files, 'plain.sql'), 'select 1;');
    const { renderer } = makeRenderer();
    const result = await renderFiles({ ...d, values: { _stage: 'dev', x: 7 }, renderer });
    expect(result).toEqual({ files: 3 });
    expect(readFileSync(join(d.out, 'config.json'), 'utf8')).toBe('{"stage": "dev"}\n');
    expect(readFileSync(join(d.out, 'sub', 'deep', 'crlf.txt'), 'utf8')).toBe('\uFEFFa 7\r\nb\r\n\r\n');
    expect(readFileSync(join(d.out, 'plain.sql'), 'utf8')).toBe('select 1;');
  });

  it('names the file in warnings about undefined variables', async () => {
    const d = makeDirs();
    writeFileSync(join(d.files, 'a.txt'), '{{ missing }}');
    const { renderer, warnings } = makeRenderer();
    await renderFiles({ ...d, values: {}, renderer });
    expect(warnings).toEqual(['undefined variable "missing" in files/a.txt (renders as empty)']);
  });

  it('copies binary files byte for byte, even when they contain template-like text', async () => {
    const d = makeDirs();
    const withNul = Buffer.from([0x7b, 0x7b, 0x20, 0x78, 0x20, 0x7d, 0x7d, 0x00, 0xff, 0x01]);
    // Not UTF-8 and no template syntax: copied as it is, as binary files are.
    const notUtf8 = Buffer.concat([Buffer.from('{ x } '), Buffer.from([0xc3, 0x28, 0xfe])]);
    writeFileSync(join(d.files, 'image.bin'), withNul);
    writeFileSync(join(d.files, 'latin1.txt'), notUtf8);
    const { renderer } = makeRenderer();
    await renderFiles({ ...d, values: { x: 'RENDERED' }, renderer });
    expect(readFileSync(join(d.out, 'image.bin')).equals(withNul)).toBe(true);
    expect(readFileSync(join(d.out, 'latin1.txt')).equals(notUtf8)).toBe(true);
  });

  it('refuses a file with template syntax that is not UTF-8, at the first byte Python could not decode, in every mode', async () => {
    const cases: Array<[string, Buffer, number, number]> = [
      // [name, bytes, line, byte offset]
      ['invalid-continuation.txt', Buffer.concat([Buffer.from('{{ x }} é '), Buffer.from([0xc3, 0x28])]), 1, 11],
      ['overlong.txt', Buffer.concat([Buffer.from('a\r\nb\rc\n{% if 1 %}{% endif %}'), Buffer.from([0xc0, 0xaf])]), 4, 28],
      ['surrogate.txt', Buffer.concat([Buffer.from('{# c #}'), Buffer.from([0xed, 0xa0, 0x80])]), 1, 7],
      // The bad byte in the second chunk of 1 MiB, the syntax in the first.
      ['late.txt', Buffer.concat([Buffer.from('{{ x }}'), Buffer.alloc(1024 * 1024, 0x61), Buffer.from([0xe9])]), 1, 1024 * 1024 + 7],
    ];
    for (const [name, bytes, line, offset] of cases) {
      const d = makeDirs();
      writeFileSync(join(d.files, name), bytes);
      const { renderer } = makeRenderer();
      for (const attempt of [
        () => renderFiles({ ...d, values: { x: 1 }, renderer }),
        () => checkFiles({ ...d, values: { x: 1 }, renderer }),
        () => checkFileTemplateSyntax({ ...d, renderer }),
      ]) {
        const e = await renderError(attempt());
        expect(e.message, name).toContain(`files/${name} is not UTF-8: byte 0x${bytes[offset]!.toString(16)} at line ${line} (byte offset ${offset})`);
        expect(e.fix).toContain('save it as UTF-8');
        expect(e.diagnostics[0]?.location).toEqual({ file: `files/${name}`, line });
      }
      expect(existsSync(d.out)).toBe(false);
    }
  });

  it('keeps file modes: an executable script stays executable', async () => {
    const d = makeDirs();
    writeFileSync(join(d.files, 'run.sh'), '#!/bin/sh\necho {{ x }}\n', { mode: 0o755 });
    writeFileSync(join(d.files, 'private.txt'), 'p', { mode: 0o600 });
    const { renderer } = makeRenderer();
    await renderFiles({ ...d, values: { x: 1 }, renderer });
    expect(statSync(join(d.out, 'run.sh')).mode & 0o777).toBe(0o755);
    expect(statSync(join(d.out, 'private.txt')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(d.out, 'run.sh'), 'utf8')).toBe('#!/bin/sh\necho 1\n');
  });

  it('leaves W/files untouched when any template fails', async () => {
    const d = makeDirs();
    writeFileSync(join(d.files, 'a.txt'), 'new {{ x }}');
    writeFileSync(join(d.files, 'b.txt'), 'line 1\n{% if x %}never closed\n');
    mkdirSync(d.out);
    writeFileSync(join(d.out, 'a.txt'), 'old');
    const { renderer } = makeRenderer();
    const e = await renderError(renderFiles({ ...d, values: { x: 1 }, renderer }));
    expect(e.message).toContain('files/b.txt');
    expect(e.message).toMatch(/line \d/);
    expect(readFileSync(join(d.out, 'a.txt'), 'utf8')).toBe('old');
    expect(readdirSync(d.out)).toEqual(['a.txt']);
  });

  it('counts lines of a template with CR-only line ends as Jinja2 does: errors at their real line, output with LF', async () => {
    const d = makeDirs();
    writeFileSync(join(d.files, 'syntax.txt'), 'line 1\rline 2\r{{ x }\rline 4\r');
    writeFileSync(join(d.files, 'runtime.txt'), 'line 1\r\rx is {{ 1 / 0 }}\r');
    const { renderer } = makeRenderer();
    const lines = (e: UserError) => e.diagnostics.map((x) => [x.location?.file, x.location?.line]);
    const expected = [['files/runtime.txt', 3], ['files/syntax.txt', 3]];
    expect(lines(await renderError(renderFiles({ ...d, values: { x: 1 }, renderer })))).toEqual(expected);
    expect(lines(await renderError(checkFiles({ projectDir: d.projectDir, values: { x: 1 }, renderer })))).toEqual(expected);
    expect(lines(await renderError(checkFileTemplateSyntax({ projectDir: d.projectDir, renderer })))).toEqual([['files/syntax.txt', 3]]);
    // Jinja2 writes each lone CR of a template as LF (its newline_sequence); CR LF stays, as the test above has it.
    rmSync(join(d.files, 'syntax.txt'));
    writeFileSync(join(d.files, 'runtime.txt'), 'a\r{{ x }}\rb\r');
    await renderFiles({ ...d, values: { x: 1 }, renderer });
    expect(readFileSync(join(d.out, 'runtime.txt'), 'utf8')).toBe('a\n1\nb\n');
  });

  it('replaces previous outputs and leaves no temporary files behind', async () => {
    const d = makeDirs();
    writeFileSync(join(d.files, 'a.txt'), '{{ x }}');
    const { renderer } = makeRenderer();
    await renderFiles({ ...d, values: { x: 1 }, renderer });
    await renderFiles({ ...d, values: { x: 2 }, renderer });
    expect(readFileSync(join(d.out, 'a.txt'), 'utf8')).toBe('2');
    expect(readdirSync(d.out)).toEqual(['a.txt']);
  });

  it('removes from W/files what P/files no longer has (as the original did), but only once every template rendered', async () => {
    const d = makeDirs();
    mkdirSync(join(d.files, 'sql'));
    writeFileSync(join(d.files, 'sql', '01_new.sql'), 'select {{ x }};');
    writeFileSync(join(d.files, 'sql', '02_old.sql'), 'drop table important;');
    mkdirSync(join(d.files, 'old-folder'));
    writeFileSync(join(d.files, 'old-folder', 'secret.txt'), '{{ x }}');
    const { renderer } = makeRenderer();
    await renderFiles({ ...d, values: { x: 1 }, renderer });
    writeFileSync(join(d.out, 'sql', 'written-by-a-run.txt'), 'out');
    rmSync(join(d.files, 'sql', '02_old.sql'));
    rmSync(join(d.files, 'old-folder'), { recursive: true });
    // A template error first: nothing is removed either.
    writeFileSync(join(d.files, 'broken.txt'), '{{ x }');
    await renderError(renderFiles({ ...d, values: { x: 2 }, renderer }));
    expect(readdirSync(join(d.out, 'sql')).sort()).toEqual(['01_new.sql', '02_old.sql', 'written-by-a-run.txt']);
    rmSync(join(d.files, 'broken.txt'));
    await renderFiles({ ...d, values: { x: 2 }, renderer });
    expect(readdirSync(d.out)).toEqual(['sql']);
    expect(readdirSync(join(d.out, 'sql'))).toEqual(['01_new.sql']);
    expect(readFileSync(join(d.out, 'sql', '01_new.sql'), 'utf8')).toBe('select 2;');
    // The whole files/ folder gone: W/files is emptied, not removed.
    rmSync(d.files, { recursive: true });
    expect(await renderFiles({ ...d, values: {}, renderer })).toEqual({ files: 0 });
    expect(readdirSync(d.out)).toEqual([]);
  });

  it('names every file with a template error at once, and writes none of them', async () => {
    const d = makeDirs();
    writeFileSync(join(d.files, 'a.txt'), '{{ x }');
    writeFileSync(join(d.files, 'b.txt'), 'fine {{ x }}');
    writeFileSync(join(d.files, 'c.txt'), 'before\n{% raw %}\nafter');
    const { renderer } = makeRenderer();
    const e = await renderError(renderFiles({ ...d, values: { x: 1 }, renderer }));
    expect(e.message).toBe('2 files of files/ have template errors');
    expect(e.diagnostics.map((x) => x.location?.file)).toEqual(['files/a.txt', 'files/c.txt']);
    expect(existsSync(d.out)).toBe(false);
  });

  it('checkFiles (for --dry-run) gives the errors renderFiles gives, and writes nothing either way', async () => {
    const d = makeDirs();
    writeFileSync(join(d.files, 'good.txt'), 'fine {{ x }}');
    mkdirSync(join(d.files, 'sub'));
    writeFileSync(join(d.files, 'sub', 'bad.txt'), 'line1\nline2 {{ x \n');
    const { renderer } = makeRenderer();
    const e = await renderError(checkFiles({ projectDir: d.projectDir, values: { x: 1 }, renderer }));
    const r = await renderError(renderFiles({ ...d, values: { x: 1 }, renderer }));
    expect(e.message).toBe(r.message);
    expect(e.diagnostics).toEqual(r.diagnostics);
    expect(e.diagnostics[0]?.location).toMatchObject({ file: 'files/sub/bad.txt', line: 3 });
    writeFileSync(join(d.files, 'sub', 'bad.txt'), 'mended {{ x }}\n');
    expect(await checkFiles({ projectDir: d.projectDir, values: { x: 1 }, renderer })).toEqual({ files: 2 });
    expect(existsSync(d.out)).toBe(false);
  });

  it('returns 0 files and writes nothing when the project has no files folder', async () => {
    const d = makeDirs();
    const projectDir = join(d.root, 'empty-project');
    mkdirSync(projectDir);
    const { renderer } = makeRenderer();
    expect(await renderFiles({ projectDir, workspaceDir: d.workspaceDir, values: {}, renderer })).toEqual({ files: 0 });
    expect(existsSync(d.out)).toBe(false);
  });

  it('settles a project without files/ and an empty W/files without a round trip through the thread pool', async () => {
    const d = makeDirs();
    const projectDir = join(d.root, 'no-files-project');
    mkdirSync(projectDir);
    mkdirSync(d.out);
    const { renderer } = makeRenderer();
    const before = process.getActiveResourcesInfo().filter((r) => r === 'FSReqCallback').length;
    const rendering = renderFiles({ projectDir, workspaceDir: d.workspaceDir, values: {}, renderer });
    // Every run renders files/ before its first command: the common case is answered by synchronous checks alone.
    expect(process.getActiveResourcesInfo().filter((r) => r === 'FSReqCallback').length).toBe(before);
    expect(await rendering).toEqual({ files: 0 });
    expect(readdirSync(d.workspaceDir)).toEqual(['files']);
  });

  it('without files/ in the project, still finishes what a killed handoff left and empties W/files', async () => {
    const d = makeDirs();
    const projectDir = join(d.root, 'no-files-project');
    mkdirSync(projectDir);
    const { renderer } = makeRenderer();
    // Killed between the two renames of a switch: W/files is missing, the previous tree beside it.
    mkdirSync(join(d.workspaceDir, PREVIOUS_FOLDER, 'deep'), { recursive: true });
    writeFileSync(join(d.workspaceDir, PREVIOUS_FOLDER, 'deep', 'b.txt'), 'old');
    mkdirSync(join(d.workspaceDir, STAGING_FOLDER));
    writeFileSync(join(d.workspaceDir, STAGING_FOLDER, '0'), 'left over');
    expect(await renderFiles({ projectDir, workspaceDir: d.workspaceDir, values: {}, renderer })).toEqual({ files: 0 });
    expect(readdirSync(d.workspaceDir)).toEqual(['files']);
    expect(readdirSync(d.out)).toEqual([]);
    // A file a run wrote into W/files is removed too, as the original (which deleted W/files) did.
    writeFileSync(join(d.out, 'written-by-a-run.txt'), 'x');
    expect(await renderFiles({ projectDir, workspaceDir: d.workspaceDir, values: {}, renderer })).toEqual({ files: 0 });
    expect(readdirSync(d.out)).toEqual([]);
  });

  it('recreates a link inside files/ as a link to the rendered file', async () => {
    const d = makeDirs();
    mkdirSync(join(d.files, 'conf'));
    writeFileSync(join(d.files, 'conf', 'real.yml'), 'v: {{ x }}\n');
    symlinkSync('conf/real.yml', join(d.files, 'current.yml'));
    symlinkSync(join(d.files, 'conf', 'real.yml'), join(d.files, 'conf', 'absolute.yml'));
    const { renderer } = makeRenderer();
    const result = await renderFiles({ ...d, values: { x: 5 }, renderer });
    expect(result.files).toBe(3);
    expect(lstatSync(join(d.out, 'current.yml')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(d.out, 'current.yml'))).toBe('conf/real.yml');
    expect(readlinkSync(join(d.out, 'conf', 'absolute.yml'))).toBe('real.yml');
    expect(readFileSync(join(d.out, 'current.yml'), 'utf8')).toBe('v: 5\n');
  });

  it('refuses a link that points outside the project, naming it, and writes nothing', async () => {
    const d = makeDirs();
    writeFileSync(join(d.root, 'outside.txt'), 'secret stuff');
    writeFileSync(join(d.files, 'a.txt'), 'a');
    symlinkSync(join(d.root, 'outside.txt'), join(d.files, 'leak.txt'));
    const { renderer } = makeRenderer();
    const e = await renderError(renderFiles({ ...d, values: {}, renderer }));
    expect(e.message).toContain('files/leak.txt');
    expect(e.message).toContain('outside');
    expect(existsSync(join(d.out, 'a.txt'))).toBe(false);
  });

  it('refuses a link that climbs out of files/ by a relative path, even when dangling', async () => {
    const d = makeDirs();
    symlinkSync('../.secrets/dev_secrets.yml', join(d.files, 'creds.yml'));
    const { renderer } = makeRenderer();
    const e = await renderError(renderFiles({ ...d, values: {}, renderer }));
    expect(e.message).toContain('files/creds.yml');
  });

  it('copies a large file without template syntax byte for byte, without holding it in memory', async () => {
    const d = makeDirs();
    // 48 MiB of CSV with a `{` and a multi-byte character on every chunk boundary, and one template beside it.
    const row = Buffer.from('1,name_é,{x},2024-01-01\n', 'utf8');
    const big = Buffer.alloc(48 * 1024 * 1024);
    for (let at = 0; at < big.length; at += row.length) row.copy(big, at);
    writeFileSync(join(d.files, 'seed.csv'), big);
    writeFileSync(join(d.files, 'conf.yml'), 'x: {{ x }}\n');
    const { renderer } = makeRenderer();
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 1);
    const before = process.memoryUsage().arrayBuffers;
    try {
      await renderFiles({ ...d, values: { x: 1 }, renderer });
    } finally {
      clearInterval(sampler);
    }
    expect(readFileSync(join(d.out, 'seed.csv')).equals(big)).toBe(true);
    expect(readFileSync(join(d.out, 'conf.yml'), 'utf8')).toBe('x: 1\n');
    // Held whole, the file alone would be 48 MiB (and once more as its rendered copy).
    expect(peak - before).toBeLessThan(16 * 1024 * 1024);
  });

  it('finds template syntax split between two chunks of 1 MiB', async () => {
    const d = makeDirs();
    const text = `${'a'.repeat(1024 * 1024 - 1)}{{ x }}\n`;
    writeFileSync(join(d.files, 'split.txt'), text);
    const { renderer } = makeRenderer();
    await renderFiles({ ...d, values: { x: 'R' }, renderer });
    expect(readFileSync(join(d.out, 'split.txt'), 'utf8')).toBe(`${'a'.repeat(1024 * 1024 - 1)}R\n`);
  });

  it('stops between files when asked (a signal, a timeout): W/files is left as it was, nothing staged is left', async () => {
    const d = makeDirs();
    for (let i = 0; i < 20; i++) writeFileSync(join(d.files, `f${String(i).padStart(2, '0')}.txt`), `new {{ x }} ${i}`);
    mkdirSync(d.out);
    writeFileSync(join(d.out, 'f00.txt'), 'old');
    const { renderer } = makeRenderer();
    let asked = 0;
    // Stopped on the fifth question: while templates render, before anything is moved into W/files.
    const stop = {
      get stopped() {
        asked += 1;
        return asked > 4;
      },
    };
    await expect(renderFiles({ ...d, values: { x: 1 }, renderer, stop })).rejects.toBeInstanceOf(FilesRenderStopped);
    expect(readdirSync(d.out)).toEqual(['f00.txt']);
    expect(readFileSync(join(d.out, 'f00.txt'), 'utf8')).toBe('old');
    expect(existsSync(join(d.workspaceDir, STAGING_FOLDER))).toBe(false);
  });

  it('stops between the chunks of a large file, leaving no part of it in W/files', async () => {
    const d = makeDirs();
    writeFileSync(join(d.files, 'big.csv'), Buffer.alloc(8 * 1024 * 1024, 'a'));
    const { renderer } = makeRenderer();
    let asked = 0;
    const stop = {
      get stopped() {
        asked += 1;
        return asked > 12;
      },
    };
    await expect(renderFiles({ ...d, values: {}, renderer, stop })).rejects.toBeInstanceOf(FilesRenderStopped);
    // Scanned in 8 chunks, then stopped in the middle of its copy: W/files was never made, nothing staged is left.
    expect(existsSync(d.out)).toBe(false);
    expect(readdirSync(d.workspaceDir)).toEqual([]);
  });

  it('switches W/files all at once: stopped at any moment, it is the whole previous tree or the whole new one', async () => {
    const d = makeDirs();
    const { renderer } = makeRenderer();
    const write = (version: string) => {
      rmSync(d.files, { recursive: true });
      mkdirSync(join(d.files, 'sub'), { recursive: true });
      for (let i = 0; i < 5; i++) writeFileSync(join(d.files, `t${String(i).padStart(2, '0')}.txt`), `{{ x }} ${i}`);
      for (let i = 0; i < 3; i++) writeFileSync(join(d.files, 'sub', `plain${i}.csv`), `${version},${i}`);
      writeFileSync(join(d.files, `only-${version}.txt`), version);
      symlinkSync('t00.txt', join(d.files, 'link.txt'));
    };
    // W/files as a map of path → content (a link → its target), the way a task would read it.
    const snapshot = (folder = d.out, rel = ''): Record<string, string> => {
      const out: Record<string, string> = {};
      for (const name of readdirSync(folder).sort()) {
        const path = join(folder, name);
        const key = rel === '' ? name : `${rel}/${name}`;
        const stat = lstatSync(path);
        if (stat.isSymbolicLink()) out[key] = `-> ${readlinkSync(path)}`;
        else if (stat.isDirectory()) Object.assign(out, snapshot(path, key));
        else out[key] = readFileSync(path, 'utf8');
      }
      return out;
    };
    write('old');
    await renderFiles({ ...d, values: { x: 'old' }, renderer });
    const before = snapshot();
    write('new');
    let questions = 0;
    await renderFiles({ ...d, values: { x: 'new' }, renderer, stop: { get stopped() { questions += 1; return false; } } });
    const after = snapshot();
    expect(Object.keys(after)).toContain('only-new.txt');
    // Stopped at each question the render asks in turn, from the first file to the last move.
    for (let at = 1; at <= questions; at++) {
      rmSync(d.out, { recursive: true });
      write('old');
      await renderFiles({ ...d, values: { x: 'old' }, renderer });
      write('new');
      let asked = 0;
      const stop = { get stopped() { asked += 1; return asked >= at; } };
      await expect(renderFiles({ ...d, values: { x: 'new' }, renderer, stop })).rejects.toBeInstanceOf(FilesRenderStopped);
      expect(snapshot(), `stopped at question ${at} of ${questions}`).toEqual(before);
      expect(readdirSync(d.workspaceDir)).toEqual(['files']);
    }
  });

  it('puts the previous tree back when a killed handoff left W/files moved aside, and removes one left after the switch', async () => {
    const d = makeDirs();
    writeFileSync(join(d.files, 'a.txt'), 'new {{ x }}');
    mkdirSync(join(d.workspaceDir, PREVIOUS_FOLDER));
    writeFileSync(join(d.workspaceDir, PREVIOUS_FOLDER, 'a.txt'), 'old');
    const { renderer } = makeRenderer();
    // Stopped at once: the previous tree is what W/files is.
    const stop = { stopped: true };
    await expect(renderFiles({ ...d, values: { x: 1 }, renderer, stop })).rejects.toBeInstanceOf(FilesRenderStopped);
    expect(readdirSync(d.workspaceDir)).toEqual(['files']);
    expect(readFileSync(join(d.out, 'a.txt'), 'utf8')).toBe('old');
    mkdirSync(join(d.workspaceDir, PREVIOUS_FOLDER, 'deep'), { recursive: true });
    writeFileSync(join(d.workspaceDir, PREVIOUS_FOLDER, 'deep', 'b.txt'), 'older');
    await renderFiles({ ...d, values: { x: 1 }, renderer });
    expect(readdirSync(d.workspaceDir)).toEqual(['files']);
    expect(readFileSync(join(d.out, 'a.txt'), 'utf8')).toBe('new 1');
  });

  it('removes a staging folder a killed render left behind', async () => {
    const d = makeDirs();
    mkdirSync(join(d.workspaceDir, STAGING_FOLDER));
    writeFileSync(join(d.workspaceDir, STAGING_FOLDER, '0'), 'left over');
    writeFileSync(join(d.files, 'a.txt'), '{{ x }}');
    const { renderer } = makeRenderer();
    await renderFiles({ ...d, values: { x: 1 }, renderer });
    expect(readdirSync(d.workspaceDir)).toEqual(['files']);
  });
});
