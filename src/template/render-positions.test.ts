// Template errors say where: a runtime error of an operator has its line; include/import/extends are refused at theirs.
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { createRenderer, loadTemplateEngine } from './render.js';

beforeAll(loadTemplateEngine);

function renderError(source: string, check = false): UserError {
  const renderer = createRenderer({ strict: false, onWarning: () => undefined });
  try {
    if (check) renderer.check(source, 'files/e.txt');
    else renderer.render(source, { greeting: 'hi', API_TOKEN: 'Secr3tValue' }, 'files/e.txt');
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected an error');
}

describe('template error positions', () => {
  it('gives the line of an operator that fails while rendering (Jinja2 names the line too)', () => {
    expect(renderError('value={{ greeting }}\n{{ "%d" % API_TOKEN }}').message).toBe('template error in files/e.txt at line 2, column 4: TypeError: %d format: a real number is required, not str');
    expect(renderError('a\n\n  {{ 1 / 0 }}').diagnostics[0]?.location).toEqual({ file: 'files/e.txt', line: 3, col: 6 });
  });

  it.each([
    ['{% include "conf.txt" %}', 'include'],
    ['{% import "m.txt" as m %}', 'import'],
    ['{% from "m.txt" import x %}', 'from … import'],
    ['{% extends "base.txt" %}', 'extends'],
  ])('refuses %s at its line, before rendering, with what to do instead', (tag, name) => {
    const error = renderError(`first line\n${tag}\n`, true);
    expect(error.message).toBe(`template syntax error in files/e.txt at line 2, column 4: {% ${name} %} is not supported: handoff renders each template on its own, without loading other templates`);
  });
});
