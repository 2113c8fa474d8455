// Tests that every template of a project is checked before anything renders: commands, vars values, install commands.
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { parseProject } from '../project/parse-project.js';
import { createRenderer, loadTemplateEngine } from '../template/render.js';
import { checkTemplateSyntax, findTemplateSyntaxProblems, findWrittenTemplateSyntaxProblems, listWrittenTemplates } from './find-template-syntax-problems.js';
import { commandTemplateOf, planRun } from './plan-run.js';

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

describe('listWrittenTemplates (a document whose structure was refused)', () => {
  it('reads the active commands of every level and the field templates, with the paths a loaded project gives them', () => {
    const written = listWrittenTemplates({
      installs: [{ venv: 'v', command: 'pip install {{ pkg' }, 'not a mapping'],
      vars: [{ key: 'a', value: '{{ b }' }, { key: 'n', value: 3 }],
      tasks: [
        { name: 'a', pipeline: [{ command: 'echo', args: '{{ x' }, { fork: [{ name: 'f', commands: [{ command: 'echo {{ y' }] }] }] },
        { name: 'off', active: false, commands: [{ command: 'echo {{ hidden' }] },
        { name: 'n', tasks: [{ name: 'inner', commands: [{ command: 'echo {{ z', active: false }, { command: 7, args: 1.5 }] }] },
        { name: 'skip', pipeline: [{ active: false, foreach: [{ name: 's', commands: [{ command: 'echo {{ hidden' }] }] }] },
      ],
    });
    expect(written.fields).toEqual([
      { path: 'installs[0].command', template: 'pip install {{ pkg' },
      { path: 'vars[0].value', template: '{{ b }' },
    ]);
    expect(written.commands.map((c) => [c.path, commandTemplateOf(c)])).toEqual([
      ['tasks[0].pipeline[0]', 'echo {{ x'],
      ['tasks[0].pipeline[1].fork[0].commands[0]', 'echo {{ y'],
      ['tasks[2].tasks[0].commands[1]', '7 1.5'],
    ]);
    const problems = findWrittenTemplateSyntaxProblems(written, renderer());
    expect(problems.map((p) => p.diagnostic.path)).toEqual(['installs[0].command', 'vars[0].value', 'tasks[0].pipeline[0]', 'tasks[0].pipeline[1].fork[0].commands[0]']);
  });
});
