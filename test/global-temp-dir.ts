// Gives each test run one temporary folder of its own (TMPDIR for every test and the processes they start), removed when the run ends.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Tests make their projects, workspaces and streams under os.tmpdir() and, as a user's runs do, leave them there: a
 * full run wrote some 1,000 folders and 1–2 GB (the stderr flood alone 619 MB). Pointing TMPDIR at one folder per run
 * lets the run remove all of it at the end; workers and every process they start inherit TMPDIR.
 */
export default function setup(): () => void {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-vitest-'));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    // HANDOFF_KEEP_TEST_TMP=1 keeps the folder to look at after a failure.
    if (process.env.HANDOFF_KEEP_TEST_TMP === '1') {
      process.stderr.write(`test files kept in ${root}\n`);
      return;
    }
    try {
      fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    } catch (error) {
      // Never fails the run: the tests have passed or failed already; only the clean-up did not finish.
      process.stderr.write(`could not remove the test files in ${root}: ${(error as Error).message}\n`);
    }
  };
}
