// Where -h stands and what `help <words…>` names: the command whose help is printed (SPEC §1).
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { findHelpTarget, moveHelpFlagsLast } from './help-request.js';

describe('moveHelpFlagsLast', () => {
  it('moves -h and --help after the command words, leaving what follows -- alone', () => {
    expect(moveHelpFlagsLast(['-h', 'run', 'local'])).toEqual(['run', 'local', '-h']);
    expect(moveHelpFlagsLast(['-p', 'P', '--help', 'workspace', 'install', '-w', 'W'])).toEqual(['-p', 'P', 'workspace', 'install', '-w', 'W', '--help']);
    expect(moveHelpFlagsLast(['run', '-h', 'local', '--', '-h'])).toEqual(['run', 'local', '-h', '--', '-h']);
    expect(moveHelpFlagsLast(['run', 'local', '-v', 'a=-h'])).toEqual(['run', 'local', '-v', 'a=-h']);
  });
});

describe('findHelpTarget', () => {
  const program = new Command('handoff');
  const workspace = program.command('workspace');
  const install = workspace.command('install');
  const run = program.command('run').argument('[where]');

  it('follows every word through the command groups, and stops at a command that takes arguments', () => {
    expect(findHelpTarget(program, [])).toBe(program);
    expect(findHelpTarget(program, ['workspace'])).toBe(workspace);
    expect(findHelpTarget(program, ['workspace', 'install'])).toBe(install);
    expect(findHelpTarget(program, ['run', 'local'])).toBe(run);
  });

  it('names the words that are no command', () => {
    expect(findHelpTarget(program, ['nosuch'])).toEqual({ unknown: 'nosuch' });
    expect(findHelpTarget(program, ['workspace', 'bogus'])).toEqual({ unknown: 'workspace bogus' });
  });
});
