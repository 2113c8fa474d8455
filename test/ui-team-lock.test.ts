// The lock of the team server's sessions journal (and of its failed sign-in counts), raced on by real processes: two
// servers (here two node processes running src/ui/team/session-file.ts, bundled as it is into the CLI) that both find a lock left by a crash must not both take
// it over, or both would append and rewrite the journal at once (and lose lines).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { makeTempDir, repoRoot } from './helpers/cli.js';

// Each round: hold the lock while checking that no one else is inside (a marker made with O_EXCL), then leave a lock
// as a crashed holder would (a pid that is gone), so that the next round of both processes starts with a stale lock.
const RACER = `
import fs from 'node:fs';
const [mod, file, rounds, goAt, gone] = process.argv.slice(2);
const { withFileLock } = await import(mod);
const marker = file + '.inside';
let overlaps = 0, held = 0;
while (Date.now() < Number(goAt)) {}
for (let i = 0; i < Number(rounds); i++) {
  withFileLock(file, () => {
    held++;
    try { fs.closeSync(fs.openSync(marker, 'wx')); } catch { overlaps++; return; }
    const until = Date.now() + 1;
    while (Date.now() < until) {}
    fs.rmSync(marker);
  });
  try { fs.writeFileSync(file + '.lock', gone, { flag: 'wx' }); } catch {}
}
console.log(JSON.stringify({ overlaps, held }));
`;

function race(script: string, args: string[]): Promise<{ overlaps: number; held: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`racer exited ${code}: ${err}`))));
  });
}

describe('the sessions journal lock', () => {
  it('is taken over by one process only when two real processes race on a stale lock, again and again', async () => {
    const dir = makeTempDir('handoff-lock-race-');
    const file = path.join(dir, 'ui-serve-sessions', 's.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const script = path.join(dir, 'racer.mjs');
    fs.writeFileSync(script, RACER);
    const gone = String(spawnSync(process.execPath, ['-e', '0']).pid);
    fs.writeFileSync(`${file}.lock`, gone);
    const bundle = path.join(dir, 'session-file.mjs');
    await build({ entryPoints: [path.join(repoRoot, 'src', 'ui', 'team', 'session-file.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent' });
    const mod = pathToFileURL(bundle).href;
    const goAt = String(Date.now() + 1500);
    const results = await Promise.all([race(script, [mod, file, '400', goAt, gone]), race(script, [mod, file, '400', goAt, gone])]);
    expect(results.map((r) => r.held)).toEqual([400, 400]);
    expect(results.map((r) => r.overlaps)).toEqual([0, 0]);
  });
});
