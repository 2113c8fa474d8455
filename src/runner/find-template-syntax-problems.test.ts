// Tests that every template of a project is checked before anything renders: commands, vars values, install commands.
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { parseProject } from '../project/parse-project.js';
import { createRenderer, loadTemplateEngine } from '../template/render.js';
import { checkTemplateSyntax, findTemplateSyntaxProblems } from './find-template-syntax-problems.js';
import { planRun } from './plan-run.js';

beforeAll(loadTemplateEngine);

const renderer = () => createRenderer({ strict: false, onWarning: () => undefined });

describe('findTemplateSyntaxProblems', () => {
  const { project } = parseProject(
    `installs:
- venv: v
  command: pip install {{ pkg
vars:
- key: a
  value: "{{ b }"
- key: n
  value: 3
- key: ok
  value: "{% if _stage %}{{ _stage }}{% endif %}"
tasks:
- name: t
  commands:
  - command: echo "{{ a | nosuchfilter }}"
  - command: echo "{{ broken"
    active: false
`,
    '/p/project.yml',
    '/p',
  );

  it('lists each broken install command, vars value and active command, in file order, by key path', () => {
    const problems = findTemplateSyntaxProblems(project, planRun(project), renderer());
    expect(problems.map((p) => p.diagnostic.path)).toEqual(['installs[0].command', 'vars[0].value', 'tasks[0].commands[0]']);
    // A problem in one key carries no command; one in a command carries it, for locating `command` or `args`.
    expect(problems.map((p) => p.command?.path)).toEqual([undefined, undefined, 'tasks[0].commands[0]']);
    expect(problems[1]!.diagnostic).toMatchObject({ message: 'expected variable end', location: { file: 'vars[0].value', line: 1, col: 6 } });
  });

  it('checkTemplateSyntax throws them as one UserError, led by the first', () => {
    let thrown: unknown;
    try {
      checkTemplateSyntax(project, planRun(project), renderer());
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UserError);
    expect((thrown as UserError).message).toMatch(/^template syntax error in installs\[0\]\.command .*\(one of 3 problems, below\)$/);
    expect((thrown as UserError).diagnostics).toHaveLength(3);
  });
});
