// The mark of a UI's Stop beside a run's logs: claimed once, read whole, only for the handoff it signalled.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimStopMark, dropStopMark, readStopMark } from './stop-mark.js';

function runsDirWithRun(runId: string): string {
  const runsDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-stop-mark-')), 'runs');
  fs.mkdirSync(path.join(runsDir, runId), { recursive: true });
  return runsDir;
}

describe('stop marks', () => {
  it('lets one Stop claim a run: a second is told it is taken, and the mark reads whole for that pid only', () => {
    const runsDir = runsDirWithRun('r1');
    expect(claimStopMark(runsDir, 'r1', { pid: 4242, since: '2026-12-07T09:00:00.000Z' })).toBe('claimed');
    expect(claimStopMark(runsDir, 'r1', { pid: 4242, since: '2026-12-07T09:00:05.000Z' })).toBe('taken');
    expect(readStopMark(runsDir, 'r1', 4242)).toEqual({ pid: 4242, since: '2026-12-07T09:00:00.000Z' });
    expect(readStopMark(runsDir, 'r1', 4243)).toBeUndefined();
    // No temporary file is left beside the logs.
    expect(fs.readdirSync(path.join(runsDir, 'r1'))).toEqual(['stop-requested.json']);
    dropStopMark(runsDir, 'r1');
    expect(readStopMark(runsDir, 'r1', 4242)).toBeUndefined();
    expect(claimStopMark(runsDir, 'r1', { pid: 4242, since: '2026-12-07T09:01:00.000Z' })).toBe('claimed');
  });

  it('says a run without a log folder cannot be marked, and reads a file that is no mark as none', () => {
    const runsDir = runsDirWithRun('r1');
    expect(claimStopMark(runsDir, 'gone', { pid: 1, since: '2026-12-07T09:00:00.000Z' })).toBe('unwritable');
    fs.writeFileSync(path.join(runsDir, 'r1', 'stop-requested.json'), '{"pid": 7');
    expect(readStopMark(runsDir, 'r1', 7)).toBeUndefined();
  });
});
