// `npm install` in a fresh clone must leave package-lock.json as committed (issue #18: a clone that dirties its own
// lock file on the first command looks broken). npm is asked to resolve the lock again, as `npm install` does.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir, repoRoot } from './helpers/cli.js';

describe('package-lock.json', () => {
  it('is what npm install resolves from package.json: installing changes nothing in it', () => {
    const dir = makeTempDir('handoff-lock-');
    for (const file of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(repoRoot, file), path.join(dir, file));
    const npm = spawnSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(npm.status, npm.stderr).toBe(0);
    const before = fs.readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8');
    const after = fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8');
    // On a difference, show the first line that changed rather than two whole files.
    const a = before.split('\n');
    const b = after.split('\n');
    const at = a.findIndex((line, i) => line !== b[i]);
    expect(at === -1 && a.length === b.length, `npm install would rewrite package-lock.json from line ${at + 1}: ${JSON.stringify(a[at])} → ${JSON.stringify(b[at])}`).toBe(true);
  }, 150_000);
});
