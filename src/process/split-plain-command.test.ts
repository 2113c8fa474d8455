import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitPlainCommand } from './split-plain-command.js';

/** The words dash makes of `line` when it is the arguments of a command (each printed with a NUL after it). */
function wordsOfShell(line: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `set -- ${line}\nfor word; do printf '%s\\0' "$word"; done`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('splitPlainCommand', () => {
  it('splits plain words at spaces and tabs', () => {
    expect(splitPlainCommand('/bin/true 1')).toEqual(['/bin/true', '1']);
    expect(splitPlainCommand('  tap-rates   --config\tconfig.json  ')).toEqual(['tap-rates', '--config', 'config.json']);
    expect(splitPlainCommand('target-csv --state=artifacts/state.json a,b 50% user@host:/x +1 été')).toEqual([
      'target-csv',
      '--state=artifacts/state.json',
      'a,b',
      '50%',
      'user@host:/x',
      '+1',
      'été',
    ]);
  });

  it.each([
    ['quotes', `echo "hello world"`],
    ['single quotes', `grep 'a b' file`],
    ['a backslash', 'ls a\\ b'],
    ['a variable', 'echo $HOME'],
    ['a braced variable', 'tap ${X}'],
    ['a command substitution', 'tap `date`'],
    ['a glob', 'ls *.csv'],
    ['a ? glob', 'ls file?.csv'],
    ['a bracket glob', 'ls [ab].csv'],
    ['a tilde', 'ls ~/x'],
    ['a comment', 'tap # note'],
    ['a pipe', 'tap | target'],
    ['a list', 'a; b'],
    ['an and-list', 'a && b'],
    ['background', 'sleep 5 &'],
    ['a redirection', 'tap > out.json'],
    ['an input redirection', 'target < in.json'],
    ['a subshell', '(tap)'],
    ['a newline', 'tap\ntarget'],
    ['a carriage return', 'tap\r'],
    ['a caret', 'tap ^x'],
    ['a brace', 'tap {a,b}'],
    ['an assignment', 'LC_ALL=C sort file'],
    ['an assignment alone', 'X=1'],
    ['a keyword', 'if true'],
    ['negation', '! false'],
    ['a builtin: echo', 'echo hello'],
    ['a builtin: cd', 'cd /tmp'],
    ['a builtin: exec', 'exec tee -p'],
    ['a builtin: true', 'true'],
    ['a builtin: test', 'test -f x'],
    ['a builtin: dot', '. ./env.sh'],
    ['a builtin: colon', ': nothing'],
    ['a bash builtin: source', 'source env.sh'],
    ['nothing', '   '],
    ['a lone surrogate', 'tap \uD800'],
  ])('leaves %s to the shell', (_what, line) => {
    expect(splitPlainCommand(line)).toBeUndefined();
  });

  it('keeps = in arguments, where it is plain text', () => {
    expect(splitPlainCommand('tap --limit=10 key=value')).toEqual(['tap', '--limit=10', 'key=value']);
  });

  it('splits every line it calls plain exactly as /bin/sh does', () => {
    // Lines made of plain characters, shell metacharacters and blanks: whatever it splits, dash splits the same way.
    const piece = fc.constantFrom('a', 'Z', '9', '_', '.', ',', ':', '@', '%', '+', '=', '/', '-', 'é', '日', ' ', '\t', '"', "'", '$', '*', '~', '#', ';', '&', '|', '<', '>', '(', ')', '\\', '`', '{', '}', '[', ']', '?', '!', '^', '\n');
    let plain = 0;
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 12 }), (pieces) => {
        const line = `cmd ${pieces.join('')}`;
        const words = splitPlainCommand(line);
        if (!words) return;
        plain++;
        expect(['cmd', ...wordsOfShell(line.slice(4))]).toEqual(words);
      }),
      { numRuns: 300 },
    );
    expect(plain).toBeGreaterThan(10);
  });
});
