import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLastSingerState, saveStateAtomically, singerStateSources, STATE_TAIL_BYTES } from './singer-state.js';
import type { Task } from '../project/types.js';

function logWith(lines: string[] | Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'singer-state-'));
  const file = path.join(dir, 'stdout.log');
  fs.writeFileSync(file, Buffer.isBuffer(lines) ? lines : lines.join('\n') + '\n');
  return file;
}

const state = (value: unknown) => ({ kind: 'state', value });
const none = { kind: 'none' };

describe('findLastSingerState', () => {
  it('takes the value of the last STATE message of a tap', () => {
    const file = logWith([
      '{"type": "SCHEMA", "stream": "s", "schema": {}}',
      '{"type": "STATE", "value": {"n": 1}}',
      '{"type": "RECORD", "stream": "s", "record": {}}',
      '{"type": "STATE", "value": {"n": 2}}',
      '{"type": "RECORD", "stream": "s", "record": {}}',
    ]);
    expect(findLastSingerState(file)).toEqual(state({ n: 2 }));
  });

  it("takes a target's echoed state value, whatever its shape, from the last line", () => {
    expect(findLastSingerState(logWith(['{"bookmarks": {"a": 1}}', '{"bookmarks": {"a": 2}}']))).toEqual(state({ bookmarks: { a: 2 } }));
    expect(findLastSingerState(logWith(['{"cursor": 5}']))).toEqual(state({ cursor: 5 }));
    expect(findLastSingerState(logWith(['{"start_date": "2024-01-01"}', '']))).toEqual(state({ start_date: '2024-01-01' }));
    expect(findLastSingerState(logWith(['{"a": "café"}\r']))).toEqual(state({ a: 'café' }));
    // Only the last line counts as an echoed state: an earlier bare object followed by other output does not.
    expect(findLastSingerState(logWith(['{"cursor": 5}', 'done']))).toEqual(none);
  });

  it('finds nothing in ordinary output', () => {
    expect(findLastSingerState(logWith(['     76 the', '     22 and']))).toEqual(none);
    expect(findLastSingerState(logWith(['{"type": "RECORD", "stream": "s", "record": {}}']))).toEqual(none);
    expect(findLastSingerState('/nonexistent/file')).toEqual(none);
  });

  it('says a state is too large when the line that may hold it begins before what is read', () => {
    const big = `{"bookmarks": {"a": "${'x'.repeat(STATE_TAIL_BYTES)}"}}`;
    expect(findLastSingerState(logWith(['{"bookmarks": {"a": 1}}', big]))).toEqual({ kind: 'too_large' });
    expect(findLastSingerState(logWith(['{"bookmarks": {"a": 1}}', `{"type": "STATE", "value": ${big}}`]))).toEqual({ kind: 'too_large' });
    // A long line of other output, then a state that fits: the state.
    expect(findLastSingerState(logWith(['y'.repeat(STATE_TAIL_BYTES), '{"bookmarks": {"a": 3}}']))).toEqual(state({ bookmarks: { a: 3 } }));
    // A long last line that is no JSON object is no state.
    expect(findLastSingerState(logWith(['y'.repeat(STATE_TAIL_BYTES + 10)]))).toEqual(none);
  });

  it('refuses a state whose bytes are not UTF-8; other lines may hold any bytes', () => {
    expect(findLastSingerState(logWith(Buffer.from('{"bookmarks": {"a": "caf\xe9"}}\n', 'latin1')))).toEqual({ kind: 'not_utf8' });
    expect(findLastSingerState(logWith(Buffer.from('{"type": "STATE", "value": {"a": "\xff"}}\nINFO done\n', 'latin1')))).toEqual({ kind: 'not_utf8' });
    expect(findLastSingerState(logWith(Buffer.from('\xff\xfe log\n{"type": "STATE", "value": {"a": 1}}\n', 'latin1')))).toEqual(state({ a: 1 }));
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

describe('singerStateSources', () => {
  const command = (path: string) => ({ kind: 'command' as const, command: { command: 'cat', active: true, path } });
  const task = (path: string, body: Task['body'], name = path): Task => ({ name, path, active: true, killDownstreamOnFail: true, killLoopOnFail: true, retries: 0, body });

  it("takes pipelines' last commands at any level and the children of a fork; never commands: tasks or foreach lines", () => {
    const tasks: Task[] = [
      task('tasks[0]', { kind: 'pipeline', elements: [command('tasks[0].pipeline[0]'), command('tasks[0].pipeline[1]')] }),
      task('tasks[1]', { kind: 'commands', commands: [command('tasks[1].commands[0]').command] }),
      task('tasks[2]', {
        kind: 'pipeline',
        elements: [
          command('tasks[2].pipeline[0]'),
          { kind: 'foreach', parallel: 1, path: 'tasks[2].pipeline[1]', tasks: [task('tasks[2].pipeline[1].foreach[0]', { kind: 'pipeline', elements: [command('x')] })] },
        ],
      }),
      task('tasks[3]', {
        kind: 'pipeline',
        elements: [
          command('tasks[3].pipeline[0]'),
          { kind: 'fork', path: 'tasks[3].pipeline[1]', tasks: [task('tasks[3].pipeline[1].fork[0]', { kind: 'pipeline', elements: [command('y')] })] },
        ],
      }),
      task('tasks[4]', { kind: 'tasks', tasks: [task('tasks[4].tasks[0]', { kind: 'pipeline', elements: [command('z')] })] }),
    ];
    expect([...singerStateSources(tasks)]).toEqual(['tasks[0]', 'tasks[3].pipeline[1].fork[0]', 'tasks[4].tasks[0]']);
  });
});
