// Property: whatever text parseProject gets, it returns a project or throws a UserError with located diagnostics.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { UserError } from '../errors.js';
import { parseProject } from './parse-project.js';

function expectProjectOrLocatedUserError(text: string): void {
  try {
    const { project, warnings } = parseProject(text, 'project.yml', '/p');
    expect(Array.isArray(project.tasks)).toBe(true);
    for (const w of warnings) expect(w.location?.line).toBeGreaterThan(0);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    expect(error.diagnostics.length).toBeGreaterThan(0);
    for (const d of error.diagnostics) {
      expect(d.location?.file).toBe('project.yml');
      expect(d.location?.line).toBeGreaterThan(0);
      expect(d.location?.col).toBeGreaterThan(0);
    }
  }
}

// Keys drawn from the real format so generated documents reach deep into the schema and the rules.
const knownKey = fc.constantFrom(
  'tasks', 'name', 'pipeline', 'commands', 'command', 'args', 'venv', 'foreach', 'fork', 'parallel', 'installs',
  'vars', 'envs', 'key', 'value', 'deploy', 'schedules', 'target_id', 'cron', 'timeout', 'active', 'stdout', '<<', '__proto__',
);
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(knownKey, fc.string()), tie('value'), { maxKeys: 5 }),
  ),
}));

describe('parseProject never fails with anything but a located UserError', () => {
  it('for arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), expectProjectOrLocatedUserError), { numRuns: 500 });
  });

  it('for arbitrary JSON-like documents dumped as YAML', () => {
    fc.assert(
      fc.property(jsonish.value, (value) => {
        expectProjectOrLocatedUserError(stringify(value));
        expectProjectOrLocatedUserError(stringify({ tasks: [value] }));
      }),
      { numRuns: 500 },
    );
  });

  it('for task-shaped documents dumped as YAML', () => {
    const command = fc.record({ command: fc.oneof(fc.string(), fc.boolean(), fc.integer()), venv: fc.option(fc.string(), { nil: undefined }) }, { requiredKeys: [] });
    const task = fc.letrec((tie) => ({
      task: fc.record(
        {
          name: fc.oneof(fc.string(), fc.integer()),
          commands: fc.array(command, { maxLength: 3 }),
          pipeline: fc.array(fc.oneof({ depthSize: 'small' }, command, fc.record({ foreach: fc.array(tie('task'), { maxLength: 2 }) }), fc.record({ fork: fc.array(tie('task'), { maxLength: 2 }) })), { maxLength: 3 }),
        },
        { requiredKeys: [] },
      ),
    }));
    fc.assert(fc.property(fc.array(task.task, { maxLength: 4 }), (tasks) => expectProjectOrLocatedUserError(stringify({ tasks }))), { numRuns: 300 });
  });
});
