// Tests of the --json result of a refused command: errors and warnings apart, each with its place and key path.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { describeRefusal } from './refusal-json.js';

describe('describeRefusal', () => {
  it('splits errors from warnings and names project.yml absolutely, as the valid result does', () => {
    const error = new UserError('p/project.yml has 1 problem (and 1 warning)', {
      fix: 'fix each problem listed, then run again',
      diagnostics: [
        { severity: 'warning', message: 'unknown key "descriptoin" is ignored', path: 'descriptoin', location: { file: 'p/project.yml', line: 1, col: 1 } },
        { severity: 'error', message: 'found the text "abc"; expected a number', path: 'tasks[0].timeout', location: { file: 'p/project.yml', line: 4, col: 12 } },
      ],
    });
    expect(describeRefusal(error, 'p')).toEqual({
      valid: false,
      file: path.resolve('p', 'project.yml'),
      error: 'p/project.yml has 1 problem (and 1 warning)',
      fix: 'fix each problem listed, then run again',
      exitCode: 2,
      problems: [error.diagnostics[1]],
      warnings: [error.diagnostics[0]],
    });
  });

  it('makes an error without diagnostics its one problem, and leaves out what is unknown', () => {
    const refusal = describeRefusal(new UserError('this command needs a workspace folder', { fix: 'add -w <workspace folder>' }), undefined);
    expect(refusal).not.toHaveProperty('file');
    expect(refusal.problems).toEqual([{ severity: 'error', message: 'this command needs a workspace folder', hint: 'add -w <workspace folder>' }]);
    expect(refusal.warnings).toEqual([]);
  });
});
