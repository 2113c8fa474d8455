import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLastSingerState, saveStateAtomically } from './singer-state.js';

function logWith(lines: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'singer-state-'));
  const file = path.join(dir, 'stdout.log');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('findLastSingerState', () => {
  it('takes the value of the last STATE message of a tap', () => {
    const file = logWith([
      '{"type": "SCHEMA", "stream": "s", "schema": {}}',
      '{"type": "STATE", "value": {"n": 1}}',
      '{"type": "RECORD", "stream": "s", "record": {}}',
      '{"type": "STATE", "value": {"n": 2}}',
      '{"type": "RECORD", "stream": "s", "record": {}}',
    ]);
    expect(findLastSingerState(file)).toEqual({ n: 2 });
  });

  it("takes a target's echoed state value, whatever its shape, from the last line", () => {
    expect(findLastSingerState(logWith(['{"bookmarks": {"a": 1}}', '{"bookmarks": {"a": 2}}']))).toEqual({ bookmarks: { a: 2 } });
    expect(findLastSingerState(logWith(['{"cursor": 5}']))).toEqual({ cursor: 5 });
    expect(findLastSingerState(logWith(['{"start_date": "2024-01-01"}', '']))).toEqual({ start_date: '2024-01-01' });
    // Only the last line counts as an echoed state: an earlier bare object followed by other output does not.
    expect(findLastSingerState(logWith(['{"cursor": 5}', 'done']))).toBeUndefined();
  });

  it('finds nothing in ordinary output', () => {
    expect(findLastSingerState(logWith(['     76 the', '     22 and']))).toBeUndefined();
    expect(findLastSingerState(logWith(['{"type": "RECORD", "stream": "s", "record": {}}']))).toBeUndefined();
    expect(findLastSingerState('/nonexistent/file')).toBeUndefined();
  });

  it('saves atomically, replacing the previous file whole', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'singer-save-'));
    const file = path.join(dir, 'artifacts', 'state.json');
    saveStateAtomically(file, { a: 1 });
    saveStateAtomically(file, { a: 2 });
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ a: 2 });
    expect(fs.readdirSync(path.dirname(file))).toEqual(['state.json']);
  });
});
