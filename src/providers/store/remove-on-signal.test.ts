// A staging folder's signal listener: the folder removed on a signal, and no signal lost when the listener comes off.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, repoRoot } from '../../../test/helpers/cli.js';

let mod = '';
beforeAll(async () => {
  const bundle = path.join(makeTempDir('handoff-remove-on-signal-'), 'remove-on-signal.mjs');
  await build({ entryPoints: [path.join(repoRoot, 'src', 'providers', 'store', 'remove-on-signal.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent' });
  mod = pathToFileURL(bundle).href;
});

// Runs `body` in a fresh node process with `removeOnSignal` and a staging folder `dir` at hand.
function runScript(body: string): { dir: string; status: number | null; signal: NodeJS.Signals | null; stdout: string } {
  const dir = makeTempDir('handoff-stored-files-test-');
  fs.writeFileSync(path.join(dir, 'f.txt'), 'x');
  const script = `const { removeOnSignal } = await import(${JSON.stringify(mod)}); const dir = ${JSON.stringify(dir)};\n${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  return { dir, status: r.status, signal: r.signal, stdout: r.stdout };
}

describe('removeOnSignal', () => {
  it('a SIGTERM caught just before the uninstall still ends the process (it was dropped with the last listener)', () => {
    // process.kill to itself: the kernel has delivered the signal when kill returns, Node hands it to listeners later.
    const r = runScript(`const uninstall = removeOnSignal(dir); process.kill(process.pid, 'SIGTERM'); uninstall(); setTimeout(() => console.log('alive'), 500);`);
    expect(r.stdout).not.toContain('alive');
    expect(r.signal).toBe('SIGTERM');
    expect(fs.existsSync(r.dir)).toBe(false);
  });

  it('with another listener, the signal goes to it and the process lives on; the folder is removed', () => {
    const r = runScript(
      `process.on('SIGTERM', () => console.log('other')); const uninstall = removeOnSignal(dir); process.kill(process.pid, 'SIGTERM'); uninstall(); setTimeout(() => console.log('alive'), 300);`,
    );
    expect(r.stdout).toBe('other\nalive\n');
    expect(r.status).toBe(0);
    expect(fs.existsSync(r.dir)).toBe(false);
  });

  it('after the uninstall has taken effect, a signal does what it does without the listener, and the folder stays', () => {
    const r = runScript(`const uninstall = removeOnSignal(dir); uninstall(); setTimeout(() => process.kill(process.pid, 'SIGTERM'), 100); setTimeout(() => console.log('alive'), 600);`);
    expect(r.signal).toBe('SIGTERM');
    expect(r.stdout).toBe('');
    expect(fs.existsSync(r.dir)).toBe(true);
  });
});
