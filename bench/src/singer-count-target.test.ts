// The Singer benchmark's counting target (bench/fixtures/singer_count_target.py), run for real on the real tap's stream.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readTargetClock } from './read-consumer-clocks.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const python = 'python3';

function countTarget(input: string | Buffer) {
  return spawnSync(python, [path.join(fixtures, 'singer_count_target.py')], { input, encoding: 'utf8', maxBuffer: 1 << 26 });
}

describe('singer_count_target.py', () => {
  it("counts every RECORD of the tap's stream across its reads and saves the last STATE, in order", () => {
    // 30,000 records are about 2.8 MB: many reads, and lines cut at their ends.
    const tap = spawnSync(python, [path.join(fixtures, 'singer_tap.py'), '30000'], { maxBuffer: 1 << 26 });
    expect(tap.status).toBe(0);
    const done = countTarget(tap.stdout);
    expect(done.status).toBe(0);
    expect(readTargetClock(done.stderr).records).toBe(30000);
    const bookmarks = done.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { type: string; value: { bookmarks: { events: { id: number } } } }).value.bookmarks.events.id);
    expect(bookmarks[bookmarks.length - 1]).toBe(30000);
    expect([...bookmarks].sort((a, b) => a - b)).toEqual(bookmarks);
  });

  it('counts a last line without a newline and saves nothing when no STATE came', () => {
    const record = '{"type": "RECORD", "stream": "events", "record": {"id": 1}}';
    const done = countTarget(`${record}\n${record}`);
    expect(done.status).toBe(0);
    expect(readTargetClock(done.stderr).records).toBe(2);
    expect(done.stdout).toBe('');
  });

  it('fails on a malformed STATE, as a target that parses it does', () => {
    const done = countTarget('{"type": "STATE", "value": {\n');
    expect(done.status).not.toBe(0);
    expect(done.stdout).toBe('');
  });
});
