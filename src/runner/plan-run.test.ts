import { describe, expect, it } from 'vitest';
import { parseProject } from '../project/parse-project.js';
import { planRun } from './plan-run.js';

const load = (yml: string) => parseProject(yml, 'project.yml', '/p').project;

describe('planRun', () => {
  it('collects the venvs of active commands and the commands it can render before the run', () => {
    const plan = planRun(
      load(`
installs:
- venv: tap
  command: pip install tap
- venv: target
  command: pip install target
- venv: unused
  command: pip install x
tasks:
- name: sync
  pipeline:
  - command: tap
    venv: tap
  - command: target
    venv: target
  - foreach:
    - name: each
      commands:
      - command: echo "{{ _line }}"
- name: disabled
  active: false
  commands:
  - command: thing
    venv: unused
`),
    );
    expect(plan.venvs.sort()).toEqual(['tap', 'target']);
    // The foreach command needs _line, so it is rendered per line, not before the run.
    expect(plan.staticCommands.map((c) => c.command)).toEqual(['tap', 'target']);
    expect(plan.tasks.map((t) => t.name)).toEqual(['sync', 'disabled']);
    expect(plan.tasks[0].outline.join('\n')).toContain('| foreach line:');
  });
});
