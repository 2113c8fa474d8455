// Tests of the project.yml loader: a full round trip, the original's samples, and every kind of bad input.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError, formatDiagnostic } from '../errors.js';
import type { Diagnostic } from '../errors.js';
import { loadProject } from './load-project.js';
import { parseProject } from './parse-project.js';
import type { Project } from './types.js';

const file = '/p/project.yml';

/** Parses text that must fail and returns the UserError. */
function parseFailure(text: string): UserError {
  try {
    parseProject(text, file, '/p');
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected parseProject to throw');
}

function errorsOf(e: UserError): Diagnostic[] {
  return e.diagnostics.filter((d) => d.severity === 'error');
}

const fullProject = `
version: 0.4
description: Every key
installs:
- venv: proc_01
  command: pip install tap-x
  description: the tap
- command: echo no venv
vars:
- key: start
  value: 2021-01-01
- key: count
  value: 5
  description: a number stays a number
- key: flag
  value: yes
envs:
- key: API_KEY
- key: REGION
  value: eu-west-1
  description: where
kill_downstream_on_fail: false
kill_loop_on_fail: true
tasks:
- name: first
  description: piped
  active: true
  kill_loop_on_fail: false
  timeout: 60
  retries: 2
  pipeline:
  - command: cat
    args: files/in.txt
    venv: proc_01
    active: false
    timeout: 5
  - foreach:
    - name: each
      pipeline:
      - command: echo
        args: "{{ _line }}"
    parallel: 3
- name: second
  commands:
  - command: ls
  - command: pwd
- name: third
  kill_downstream_on_fail: true
  tasks:
  - name: inner
    pipeline:
    - command: cat
      args: files/a.txt
    - fork:
      - name: count
        pipeline:
        - command: wc
          args: -l
deploy:
  cloud_provider: aws
  cloud_platform: fargate
  resource_group: etl
  task: rates
  container_image: rates-image
  image_version: "1.0"
  image_domain: 123.dkr.ecr.us-east-1.amazonaws.com
  bucket: my-bucket
  cpu: 512
  memory: 1024
  storage: 30
  platform_config:
    state_machine: true
    state_machine_timeout: 3600
    retry_interval: 60
    max_retries: 3
    backoff_rate: 1.5
    role_arn: arn:aws:iam::123:role/sfn
  push_artifacts_on_fail: true
  alarm_email: ops@example.com
  subnets: [subnet-1, subnet-2]
  security_groups: [sg-1]
  assign_public_ip: false
  platform_version: LATEST
  log_retention_days: 14
  task_policy: '{"Version": "2012-10-17"}'
schedules:
- target_id: 1
  cron: "0 0 * * ? *"
  name: nightly
  description: every night
  timezone: Europe/Paris
  enabled: false
  envs:
  - key: __VARS
    value: a=1
- target_id: two
  cron: rate(1 hour)
container:
  docker_file: Dockerfile
  files_dir: extra
  base_image: python:3.12-slim
`;

describe('parseProject: a valid project', () => {
  it('reads every key into the normalized model', () => {
    const { project, warnings } = parseProject(fullProject, file, '/p');
    // Its only command before the foreach is switched off (to read `active`): the foreach then reads an empty input.
    expect(warnings.map((w) => [w.path, w.message])).toEqual([['tasks[0].pipeline[1]', expect.stringContaining('follows only commands with active: false')]]);
    const expected: Project = {
      file,
      dir: '/p',
      version: '0.4',
      description: 'Every key',
      installs: [
        { venv: 'proc_01', command: 'pip install tap-x', description: 'the tap' },
        { command: 'echo no venv' },
      ],
      vars: [
        { key: 'start', value: '2021-01-01' },
        { key: 'count', value: 5, description: 'a number stays a number' },
        { key: 'flag', value: true },
      ],
      envs: [{ key: 'API_KEY' }, { key: 'REGION', value: 'eu-west-1', description: 'where' }],
      killDownstreamOnFail: false,
      killLoopOnFail: true,
      tasks: [
        {
          name: 'first',
          description: 'piped',
          active: true,
          killDownstreamOnFail: false,
          killLoopOnFail: false,
          timeout: 60,
          retries: 2,
          path: 'tasks[0]',
          body: {
            kind: 'pipeline',
            elements: [
              {
                kind: 'command',
                command: { command: 'cat', args: 'files/in.txt', venv: 'proc_01', active: false, timeout: 5, path: 'tasks[0].pipeline[0]' },
              },
              {
                kind: 'foreach',
                parallel: 3,
                path: 'tasks[0].pipeline[1]',
                tasks: [
                  {
                    name: 'each',
                    active: true,
                    // Inherited from the enclosing task, not the project.
                    killDownstreamOnFail: false,
                    killLoopOnFail: false,
                    retries: 0,
                    path: 'tasks[0].pipeline[1].foreach[0]',
                    body: {
                      kind: 'pipeline',
                      elements: [
                        { kind: 'command', command: { command: 'echo', args: '{{ _line }}', active: true, path: 'tasks[0].pipeline[1].foreach[0].pipeline[0]' } },
                      ],
                    },
                  },
                ],
              },
            ],
          },
        },
        {
          name: 'second',
          active: true,
          killDownstreamOnFail: false,
          killLoopOnFail: true,
          retries: 0,
          path: 'tasks[1]',
          body: {
            kind: 'commands',
            commands: [
              { command: 'ls', active: true, path: 'tasks[1].commands[0]' },
              { command: 'pwd', active: true, path: 'tasks[1].commands[1]' },
            ],
          },
        },
        {
          name: 'third',
          active: true,
          killDownstreamOnFail: true,
          killLoopOnFail: true,
          retries: 0,
          path: 'tasks[2]',
          body: {
            kind: 'tasks',
            tasks: [
              {
                name: 'inner',
                active: true,
                killDownstreamOnFail: true,
                killLoopOnFail: true,
                retries: 0,
                path: 'tasks[2].tasks[0]',
                body: {
                  kind: 'pipeline',
                  elements: [
                    { kind: 'command', command: { command: 'cat', args: 'files/a.txt', active: true, path: 'tasks[2].tasks[0].pipeline[0]' } },
                    {
                      kind: 'fork',
                      path: 'tasks[2].tasks[0].pipeline[1]',
                      tasks: [
                        {
                          name: 'count',
                          active: true,
                          killDownstreamOnFail: true,
                          killLoopOnFail: true,
                          retries: 0,
                          path: 'tasks[2].tasks[0].pipeline[1].fork[0]',
                          body: {
                            kind: 'pipeline',
                            elements: [
                              { kind: 'command', command: { command: 'wc', args: '-l', active: true, path: 'tasks[2].tasks[0].pipeline[1].fork[0].pipeline[0]' } },
                            ],
                          },
                        },
                      ],
                    },
                  ],
                },
              },
            ],
          },
        },
      ],
      deploy: {
        cloud_provider: 'aws',
        cloud_platform: 'fargate',
        resource_group: 'etl',
        task: 'rates',
        container_image: 'rates-image',
        image_version: '1.0',
        image_domain: '123.dkr.ecr.us-east-1.amazonaws.com',
        bucket: 'my-bucket',
        cpu: 512,
        memory: 1024,
        storage: 30,
        platform_config: {
          state_machine: true,
          state_machine_timeout: 3600,
          retry_interval: 60,
          max_retries: 3,
          backoff_rate: 1.5,
          role_arn: 'arn:aws:iam::123:role/sfn',
        },
        push_artifacts_on_fail: true,
        alarm_email: 'ops@example.com',
        subnets: ['subnet-1', 'subnet-2'],
        security_groups: ['sg-1'],
        assign_public_ip: false,
        platform_version: 'LATEST',
        log_retention_days: 14,
        task_policy: '{"Version": "2012-10-17"}',
      },
      schedules: [
        {
          target_id: '1',
          cron: '0 0 * * ? *',
          name: 'nightly',
          description: 'every night',
          timezone: 'Europe/Paris',
          enabled: false,
          overlap: 'skip',
          catch_up: false,
          envs: [{ key: '__VARS', value: 'a=1' }],
          path: 'schedules[0]',
        },
        { target_id: 'two', cron: 'rate(1 hour)', envs: [], enabled: true, overlap: 'skip', catch_up: false, path: 'schedules[1]' },
      ],
      container: { docker_file: 'Dockerfile', files_dir: 'extra', base_image: 'python:3.12-slim' },
    };
    expect(project).toEqual(expected);
  });

  it('applies defaults to a minimal project', () => {
    const { project } = parseProject('tasks:\n- name: t\n  commands:\n  - command: "true"\n', 'project.yml', 'rel/dir');
    expect(project.file).toBe(path.resolve('project.yml'));
    expect(project.dir).toBe(path.resolve('rel/dir'));
    expect(project).toMatchObject({
      installs: [],
      vars: [],
      envs: [],
      schedules: [],
      container: {},
      deploy: { cloud_provider: 'local' },
      killDownstreamOnFail: true,
      killLoopOnFail: true,
    });
    expect(project.tasks[0]).toMatchObject({ active: true, retries: 0, killDownstreamOnFail: true, killLoopOnFail: true });
  });

  it('loads the original exchange-rates sample', () => {
    const text = `version: 0.3
description: Fetch foreign exchange rates
installs:
- venv: proc_01
  command: pip install tap-exchangeratesapi
- venv: proc_02
  command: pip install target-csv
vars:
- key: base_currency
  value: USD
tasks:
- name: fetch_exchange_rates
  description: Fetch exchange rates
  pipeline:
  - command: tap-exchangeratesapi
    args: --config files/tap-config.json
    venv: proc_01
  - command: python files/stats_collector.py
    venv: proc_01
  - command: target-csv
    args: --config files/target-config.json
    venv: proc_02
deploy:
  cloud_provider: aws
  cloud_platform: fargate
  resource_group: handoff-etl
  container_image: xxxxxxxx
  task: exchange-rates
schedules:
- target_id: 1
  cron: "0 0 * * ? *"
  envs:
  - key: __VARS
    value: 'start_date=$(date -I -d "-7 day")'
`;
    const { project, warnings } = parseProject(text, file, '/p');
    expect(warnings).toEqual([]);
    expect(project.version).toBe('0.3');
    expect(project.tasks[0]?.body.kind).toBe('pipeline');
    const body = project.tasks[0]?.body;
    expect(body?.kind === 'pipeline' && body.elements.map((e) => (e.kind === 'command' ? e.command.venv : e.kind))).toEqual(['proc_01', 'proc_01', 'proc_02']);
    expect(project.deploy).toEqual({
      cloud_provider: 'aws',
      cloud_platform: 'fargate',
      resource_group: 'handoff-etl',
      container_image: 'xxxxxxxx',
      task: 'exchange-rates',
    });
    expect(project.schedules).toEqual([
      { target_id: '1', cron: '0 0 * * ? *', envs: [{ key: '__VARS', value: 'start_date=$(date -I -d "-7 day")' }], enabled: true, overlap: 'skip', catch_up: false, path: 'schedules[0]' },
    ]);
  });

  it('loads the original foreach and fork sample', () => {
    const text = `tasks:
- name: word_count
  pipeline:
  - command: cat
    args: ./files/the_great_dictionary.txt
  - foreach:
    - name: echo
      pipeline:
      - command: echo
        args: "{{ _line }}"
- name: forked
  pipeline:
  - command: cat
    args: files/a.txt
  - fork:
    - name: count
      pipeline:
      - command: wc
        args: -l
    - name: first
      pipeline:
      - command: head
        args: -n 1
`;
    const { project } = parseProject(text, file, '/p');
    const [wordCount, forked] = project.tasks;
    expect(wordCount?.body.kind === 'pipeline' && wordCount.body.elements.map((e) => e.kind)).toEqual(['command', 'foreach']);
    const fork = forked?.body.kind === 'pipeline' ? forked.body.elements[1] : undefined;
    expect(fork?.kind).toBe('fork');
    expect(fork?.kind === 'fork' && fork.tasks.map((t) => t.name)).toEqual(['count', 'first']);
    expect(fork?.kind === 'fork' && fork.tasks[1]?.body).toEqual({
      kind: 'pipeline',
      elements: [{ kind: 'command', command: { command: 'head', args: '-n 1', active: true, path: 'tasks[1].pipeline[1].fork[1].pipeline[0]' } }],
    });
  });
});

describe('parseProject: vars PyYAML read as datetimes or bytes', () => {
  it('hold the text Python printed for them (python3: yaml.safe_load, then jinja2 {{ value }}); dates and quoted text stay as written', () => {
    const text = [
      'vars:',
      '- {key: a, value: 2024-01-01T10:00:00Z}',
      '- {key: b, value: 2024-01-01 10:00:00.5}',
      '- {key: c, value: 2024-01-01}',
      '- {key: d, value: "2024-01-01T10:00:00Z"}',
      '- {key: e, value: !!binary aGVsbG8=}',
      '- {key: f, value: [2024-01-01t10:00:00+05:30]}',
    ].join('\n');
    const values = Object.fromEntries(parseProject(text, file, '/p').project.vars.map((v) => [v.key, v.value]));
    expect(values).toEqual({
      a: '2024-01-01 10:00:00+00:00',
      b: '2024-01-01 10:00:00.500000',
      c: '2024-01-01',
      d: '2024-01-01T10:00:00Z',
      e: "b'hello'",
      f: ['2024-01-01 10:00:00+05:30'],
    });
  });
});

describe('parseProject: problems', () => {
  it('reports a YAML syntax error with its line and column', () => {
    const e = parseFailure('tasks:\n- name: a\n  commands: [x, y\nversion: 1\n');
    expect(e.exitCode).toBe(2);
    const [first] = errorsOf(e);
    expect(first?.location).toMatchObject({ file, line: 4, col: 1 });
    expect(formatDiagnostic(first!)).toMatch(/^error: \/p\/project\.yml:4:1: /);
  });

  it('reports a tab indentation with its position', () => {
    const e = parseFailure('tasks:\n\t- name: a\n');
    expect(errorsOf(e)[0]?.location).toMatchObject({ line: 2 });
  });

  it('says what was found and what was expected for wrong types', () => {
    const e = parseFailure('tasks:\n- name: a\n  retries: many\n  commands:\n  - command: ls\n    timeout: -1\n- name: b\n  retries: 1.5\n  active: "no"\n  commands: {command: ls}\n');
    const byPath = Object.fromEntries(errorsOf(e).map((d) => [d.path, d]));
    expect(byPath['tasks[0].retries']?.message).toBe('found the text "many"; expected a number');
    expect(byPath['tasks[1].retries']?.message).toBe('found the number 1.5; expected a whole number');
    expect(byPath['tasks[1].active']).toMatchObject({ message: 'found the text "no"; expected true or false', hint: 'remove the quotes so it is read as a boolean' });
    expect(byPath['tasks[1].commands']).toMatchObject({ message: 'found a mapping; expected a list', hint: 'start each item of a list with "- "' });
    expect(byPath['tasks[0].retries']?.location).toMatchObject({ line: 3, col: 12 });
    expect(byPath['tasks[0].commands[0].timeout']?.message).toBe('found the number -1; expected a number greater than 0');
    expect(byPath['tasks[0].commands[0].timeout']?.location).toMatchObject({ line: 6, col: 14 });
  });

  it('reports a missing required key at the mapping that lacks it', () => {
    const e = parseFailure('installs:\n- venv: a\ntasks: []\n');
    expect(errorsOf(e)).toEqual([
      expect.objectContaining({ path: 'installs[0].command', message: 'missing required key "command" (a string)', location: { file, line: 2, col: 3 } }),
    ]);
  });

  it('refuses a task with both pipeline and commands', () => {
    const e = parseFailure('tasks:\n- name: a\n  pipeline:\n  - command: ls\n  commands:\n  - command: ls\n');
    expect(errorsOf(e)).toEqual([
      expect.objectContaining({ path: 'tasks[0].pipeline', message: expect.stringContaining('has both commands and pipeline; expected exactly one') }),
    ]);
  });

  it('refuses a task with no body, and empty commands or pipelines', () => {
    const e = parseFailure('tasks:\n- name: a\n- name: b\n  commands: []\n- name: c\n  pipeline: []\n');
    expect(errorsOf(e).map((d) => [d.path, d.location?.line])).toEqual([
      ['tasks[0]', 2],
      ['tasks[1].commands', 4],
      ['tasks[2].pipeline', 6],
    ]);
    expect(errorsOf(e)[0]?.message).toContain('has none of commands, pipeline, tasks');
  });

  it('refuses anything after a foreach or a fork', () => {
    const text = `tasks:
- name: a
  pipeline:
  - command: cat
  - foreach:
    - name: e
      pipeline:
      - command: echo
  - command: wc
- name: b
  pipeline:
  - command: cat
  - fork:
    - name: f
      pipeline:
      - command: wc
  - command: head
`;
    const e = parseFailure(text);
    expect(errorsOf(e).map((d) => [d.path, d.location?.line])).toEqual([
      ['tasks[0].pipeline[2]', 9],
      ['tasks[1].pipeline[2]', 17],
    ]);
    expect(errorsOf(e)[0]?.message).toContain('nothing may follow a foreach or fork');
  });

  it('refuses a foreach or fork with no upstream command', () => {
    const e = parseFailure('tasks:\n- name: a\n  pipeline:\n  - foreach:\n    - name: e\n      pipeline:\n      - command: echo\n');
    expect(errorsOf(e)).toEqual([expect.objectContaining({ path: 'tasks[0].pipeline[0]', message: expect.stringContaining('first element') })]);
  });

  it('warns about a foreach or fork whose upstream commands are all inactive (it reads an empty input), unless the task is off', () => {
    const text = `tasks:
- name: a
  pipeline:
  - command: printf 'x\\n'
    active: false
  - foreach:
    - name: e
      commands:
      - command: echo line {{ _line }}
- name: b
  pipeline:
  - command: cat
    active: false
  - command: seq 3
    active: false
  - fork:
    - name: f
      pipeline:
      - command: wc
- name: disabled
  active: false
  pipeline:
  - command: cat
    active: false
  - foreach:
    - name: d
      commands:
      - command: echo
- name: fine
  pipeline:
  - command: cat
    active: false
  - command: seq 3
  - foreach:
    - name: g
      commands:
      - command: echo
`;
    const { warnings } = parseProject(text, file, '/p');
    expect(warnings.map((d) => [d.path, d.location?.line])).toEqual([
      ['tasks[0].pipeline[1]', 6],
      ['tasks[1].pipeline[2]', 16],
    ]);
    expect(warnings[0]?.message).toBe('the foreach of task "a" follows only commands with active: false; they are skipped, so the foreach reads an empty input and runs no sub-task');
    expect(warnings[1]?.message).toContain('the fork of task "b" follows only commands with active: false');
  });

  it('refuses a fork child that is not a pipeline', () => {
    const text = 'tasks:\n- name: a\n  pipeline:\n  - command: cat\n  - fork:\n    - name: ok\n      pipeline:\n      - command: wc\n    - name: bad\n      commands:\n      - command: wc\n';
    const e = parseFailure(text);
    expect(errorsOf(e)).toEqual([
      expect.objectContaining({ path: 'tasks[0].pipeline[1].fork[1].commands', location: { file, line: 10, col: 7 }, message: expect.stringContaining('must be a pipeline') }),
    ]);
  });

  it('finds the rules\' problems at every depth: nested tasks, foreach lines and fork children, each at its own path', () => {
    const text = `installs:
- venv: proc_01
  command: pip install x
tasks:
- name: outer
  tasks:
  - name: inner
    commands: []
- name: lines
  pipeline:
  - command: cat
    venv: proc_01
  - foreach:
    - name: each
      commands:
      - command: x
        venv: nope
- name: copies
  pipeline:
  - command: cat
  - fork:
    - name: child
      pipeline:
      - command: wc
        venv: gone
      - foreach: []
`;
    const e = parseFailure(text);
    expect(errorsOf(e).map((d) => [d.path, d.location?.line, d.message])).toEqual([
      ['tasks[0].tasks[0].commands', 8, 'task "inner" has an empty commands list; expected at least one entry'],
      ['tasks[1].pipeline[1].foreach[0].commands[0].venv', 17, 'venv "nope" is not declared in installs (declared venvs: "proc_01")'],
      ['tasks[2].pipeline[1].fork[0].pipeline[0].venv', 25, 'venv "gone" is not declared in installs (declared venvs: "proc_01")'],
      ['tasks[2].pipeline[1].fork[0].pipeline[1].foreach', 26, 'found an empty foreach list; expected at least one task'],
    ]);
  });

  it('refuses a venv that installs does not declare, naming the declared ones', () => {
    const e = parseFailure('installs:\n- venv: proc_01\n  command: pip install x\ntasks:\n- name: a\n  commands:\n  - command: x\n    venv: proc_02\n');
    expect(errorsOf(e)).toEqual([
      expect.objectContaining({ path: 'tasks[0].commands[0].venv', location: { file, line: 8, col: 11 }, message: 'venv "proc_02" is not declared in installs (declared venvs: "proc_01")' }),
    ]);
  });

  it('refuses entries of one venv that name different interpreters; one named interpreter serves the others', () => {
    const e = parseFailure('installs:\n- venv: v\n  python: python3.9\n  command: a\n- venv: v\n  command: b\n- venv: v\n  python: python3.12\n  command: c\n');
    expect(errorsOf(e)).toEqual([
      expect.objectContaining({
        path: 'installs[2].python',
        location: { file, line: 8, col: 11 },
        message: 'venv "v" is made by "python3.9", named at installs[0].python (line 3); this entry names "python3.12"',
      }),
    ]);
    const ok = parseProject('installs:\n- venv: v\n  python: python3.9\n  command: a\n- venv: v\n  command: b\n- venv: v\n  python: python3.9\n  command: c\n', file, '/p');
    expect(ok.project.installs.map((i) => i.python)).toEqual(['python3.9', undefined, 'python3.9']);
  });

  it('explains `command: yes` as YAML 1.1 reading a boolean, and says to quote it', () => {
    const e = parseFailure('tasks:\n- name: a\n  commands:\n  - command: yes\n');
    const [d] = errorsOf(e);
    expect(d?.path).toBe('tasks[0].commands[0].command');
    expect(d?.message).toContain('found yes, which YAML 1.1 reads as the boolean true');
    expect(d?.message).toContain('unquoted yes/no/on/off/true/false are booleans');
    expect(d?.hint).toBe('quote it to keep it as text: "yes"');
  });

  it('explains `value: on` in envs the same way', () => {
    const e = parseFailure('envs:\n- key: FLAG\n  value: on\n');
    expect(errorsOf(e)[0]).toMatchObject({ path: 'envs[0].value', hint: 'quote it to keep it as text: "on"', location: { line: 3, col: 10 } });
  });

  it('refuses a NUL byte in an env value (of envs and of a schedule) at its line, without quoting the value', () => {
    const e = parseFailure('envs:\n- key: ML\n  value: "Secr3t\\0x"\nschedules:\n- target_id: a\n  cron: "0 0 * * ? *"\n  envs:\n  - key: B\n    value: "\\x00"\n');
    expect(errorsOf(e)).toEqual([
      expect.objectContaining({ path: 'envs[0].value', message: 'found a NUL byte in the value; no environment variable can hold one', location: expect.objectContaining({ line: 3, col: 10 }) }),
      expect.objectContaining({ path: 'schedules[0].envs[0].value', location: expect.objectContaining({ line: 9 }) }),
    ]);
    expect(JSON.stringify(e.diagnostics)).not.toContain('Secr3t');
  });

  it('refuses a cron whose years are over as it refuses 31 February; one whose only time a DST change skips is left to schedule list', () => {
    const e = parseFailure('tasks: [{name: a, commands: [{command: x}]}]\nschedules:\n- target_id: a\n  cron: "0 0 1 1 ? 1999"\n- target_id: b\n  cron: "30 2 29 3 ? 2099"\n  timezone: Europe/Berlin\n');
    expect(errorsOf(e)).toEqual([expect.objectContaining({ path: 'schedules[0].cron', message: 'cron "0 0 1 1 ? 1999": never fires again: every time it matches is in the past', location: expect.objectContaining({ line: 4 }) })]);
  });

  it('refuses duplicate task names at the same level only', () => {
    const text = 'tasks:\n- name: a\n  tasks:\n  - name: a\n    commands: [{command: x}]\n- name: a\n  commands: [{command: y}]\n';
    const e = parseFailure(text);
    expect(errorsOf(e)).toEqual([expect.objectContaining({ path: 'tasks[1].name', message: expect.stringContaining('already used by tasks[0] (line 2)') })]);
  });

  // Every task writes its logs to the one artifacts/ folder: names must not collide there, whatever their level.
  it('refuses a fork child named like a task elsewhere, naming both places: they would write the same artifacts/<name>_stdout.log', () => {
    const text = 'tasks:\n- name: extract\n  pipeline:\n  - command: seq 1 5\n  - fork:\n    - name: report\n      pipeline: [{command: wc -l}]\n    - name: copy\n      pipeline: [{command: cat}]\n- name: report\n  commands: [{command: date}]\n';
    const e = parseFailure(text);
    expect(errorsOf(e)).toEqual([
      expect.objectContaining({
        path: 'tasks[1].name',
        location: expect.objectContaining({ line: 10 }),
        message: expect.stringMatching(/task name "report" names the same log files \(artifacts\/report_stdout\.log\) as task "report" at tasks\[0\]\.pipeline\[1\]\.fork\[0\] \(line 6\)/),
        hint: expect.stringContaining('rename one of the tasks'),
      }),
    ]);
  });

  it('refuses names that differ but make the same log file name, across levels', () => {
    const text = 'tasks:\n- name: group\n  tasks:\n  - name: "a b"\n    commands: [{command: x}]\n- name: a_b\n  commands: [{command: y}]\n';
    expect(errorsOf(parseFailure(text))).toEqual([expect.objectContaining({ path: 'tasks[1].name', message: expect.stringContaining('as task "a b" at tasks[0].tasks[0] (line 4)') })]);
  });

  it('refuses two foreach sub-tasks of one name in different foreach loops: their lines would write the same logs', () => {
    const text = 'tasks:\n- name: loop\n  pipeline:\n  - command: seq 1 2\n  - foreach:\n    - name: load\n      commands: [{command: echo}]\n- name: again\n  pipeline:\n  - command: seq 1 2\n  - foreach:\n    - name: load\n      commands: [{command: echo}]\n';
    expect(errorsOf(parseFailure(text))).toEqual([
      expect.objectContaining({ path: 'tasks[1].pipeline[1].foreach[0].name', location: expect.objectContaining({ line: 12 }), message: expect.stringContaining('has the name of foreach sub-task "load" at tasks[0].pipeline[1].foreach[0] (line 6)') }),
    ]);
  });

  it('leaves a task named like a foreach line (load_1 next to foreach sub-task load) to the run, which knows the lines', () => {
    const text = 'tasks:\n- name: triple_numbers\n  pipeline:\n  - command: seq 1 2\n  - foreach:\n    - name: triple\n      commands: [{command: echo}]\n';
    expect(() => parseProject(text, file, '/p')).not.toThrow();
  });

  it('lets a task share its name with a foreach sub-task or a group of tasks, whose names name no log file', () => {
    const text = 'tasks:\n- name: loop\n  pipeline:\n  - command: seq 1 2\n  - foreach:\n    - name: load\n      commands: [{command: echo}]\n- name: load\n  tasks:\n  - name: loop\n    tasks:\n    - name: other\n      commands: [{command: x}]\n';
    expect(() => parseProject(text, file, '/p')).not.toThrow();
  });

  it('refuses a zero parallel, a bad env name and an install without command', () => {
    const text = 'installs:\n- venv: v\nenvs:\n- key: MY-VAR\ntasks:\n- name: a\n  pipeline:\n  - command: cat\n  - foreach: [{name: e, pipeline: [{command: echo}]}]\n    parallel: 0\n';
    const e = parseFailure(text);
    expect(errorsOf(e).map((d) => d.path)).toEqual(['installs[0].command', 'envs[0].key', 'tasks[0].pipeline[1].parallel']);
  });

  it('reports all problems at once', () => {
    const text = 'tasks:\n- name: a\n  retries: -1\n  commands:\n  - command: x\n    venv: nope\n- name: b\n';
    const e = parseFailure(text);
    expect(e.message).toBe(`${file} has 3 problems`);
    expect(errorsOf(e).map((d) => d.path)).toEqual(['tasks[0].retries', 'tasks[0].commands[0].venv', 'tasks[1]']);
    for (const d of e.diagnostics) expect(d.location?.line).toBeGreaterThan(0);
  });

  it('refuses a top level that is not a mapping', () => {
    for (const text of ['- a\n- b\n', 'just text\n', '', '# only a comment\n']) {
      const e = parseFailure(text);
      expect(errorsOf(e)[0]?.message).toMatch(/expected a mapping/);
    }
  });

  it('refuses binary garbage and NUL bytes clearly', () => {
    const e = parseFailure('tasks:\n\0\x01\x02garbage');
    expect(e.message).toContain('NUL');
    expect(errorsOf(e)[0]?.location).toEqual({ file, line: 2, col: 1 });
  });

  it('refuses an alias bomb without expanding it', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${new Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const e = parseFailure(`${levels.join('\n')}\n`);
    expect(e.message).toMatch(/alias/);
    expect(errorsOf(e)[0]?.location?.line).toBeGreaterThan(0);
  });

  it('still loads anchors merged into hundreds of tasks', () => {
    let text = 'defaults: &d\n  retries: 1\n  active: false\ntasks:\n';
    for (let i = 0; i < 400; i++) text += `- <<: *d\n  name: t${i}\n  commands: [{command: ls}]\n`;
    const { project, warnings } = parseProject(text.replace('defaults: &d', 'x_defaults: &d'), file, '/p');
    expect(project.tasks).toHaveLength(400);
    expect(project.tasks[399]).toMatchObject({ name: 't399', retries: 1, active: false });
    expect(warnings.map((w) => w.path)).toEqual(['x_defaults']);
  });

  it('refuses an alias that contains itself', () => {
    const e = parseFailure('vars: &v\n- key: a\n  value: *v\n');
    expect(errorsOf(e)[0]).toMatchObject({ location: { line: 3, col: 10 }, message: expect.stringContaining('inside the node it refers to') });
  });

  it('refuses deep nesting with a clear error instead of overflowing the stack', () => {
    for (const depth of [300, 20000]) {
      const e = parseFailure(`vars: ${'['.repeat(depth)}${']'.repeat(depth)}\n`);
      expect(e.diagnostics.map((d) => d.message).join(' ')).toMatch(/nest/);
    }
  });

  it('suggests the value a misspelt one was meant to be (cloud_provider: gpc, overlap: skp)', () => {
    const e = parseFailure('deploy:\n  cloud_provider: gpc\nschedules:\n- target_id: t\n  cron: "0 * * * *"\n  overlap: skp\ntasks:\n- name: t\n  commands: [{command: x}]\n');
    expect(e.diagnostics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'deploy.cloud_provider', hint: 'did you mean "gcp"?', location: { file, line: 2, col: 19 } }),
        expect.objectContaining({ path: 'schedules[0].overlap', hint: 'did you mean "skip"?' }),
      ]),
    );
  });

  it('refuses a file over 2 MB before parsing it', () => {
    const e = parseFailure(`description: "${'x'.repeat(2 * 1024 * 1024)}"\n`);
    expect(e.message).toContain('larger than 2 MB');
  });
});

describe('parseProject: warnings', () => {
  it('warns about an unknown key with "did you mean"', () => {
    const { warnings } = parseProject('descriptoin: typo\ntasks:\n- name: a\n  comands: []\n  commands: [{command: x, arg: y}]\n', file, '/p');
    expect(warnings).toEqual([
      expect.objectContaining({ severity: 'warning', path: 'descriptoin', hint: 'did you mean "description"?', location: { file, line: 1, col: 1 } }),
      expect.objectContaining({ path: 'tasks[0].comands', hint: 'did you mean "commands"?', location: { file, line: 4, col: 3 } }),
      expect.objectContaining({ path: 'tasks[0].commands[0].arg', hint: 'did you mean "args"?' }),
    ]);
  });

  it('warns that keys kept for compatibility are ignored', () => {
    const text = `secrets: [a]
schedule: daily
deploy:
  provider: aws
  platform: fargate
tasks:
- name: a
  stdout: out.txt
  pipeline:
  - command: cat
    nulldev: true
`;
    const { warnings, project } = parseProject(text, file, '/p');
    expect(warnings.map((w) => w.path)).toEqual(['secrets', 'schedule', 'deploy.provider', 'deploy.platform', 'tasks[0].stdout', 'tasks[0].pipeline[0].nulldev']);
    for (const w of warnings) expect(w.message).toContain('is ignored');
    expect(project.deploy).toEqual({ cloud_provider: 'local' });
  });

  it('skips pipeline elements switched off with active: false (the original\'s `- nulldev:` element) and keeps the pipeline joined', () => {
    const text = `tasks:
- name: word_count
  pipeline:
  - command: cat
    args: in.txt
  - nulldev:
    description: "no stdout log"
    active: False
  - foreach:
    - name: never
      commands:
      - command: touch never
    active: false
  - command: wc
    args: -w
`;
    const { project, warnings } = parseProject(text, file, '/p');
    const body = project.tasks[0]?.body;
    expect(body?.kind === 'pipeline' && body.elements.map((e) => (e.kind === 'command' ? e.command.command : e.kind))).toEqual(['cat', 'wc']);
    expect(warnings.map((w) => w.path)).toEqual(['tasks[0].pipeline[1].nulldev']);
    expect(warnings[0]?.hint).toContain('active: false');
  });

  it('names the keys a pipeline element lacks, and that active: false would skip it', () => {
    const error = parseFailure('tasks:\n- name: a\n  pipeline:\n  - comand: echo\n    description: x\n');
    expect(errorsOf(error)).toEqual([
      expect.objectContaining({
        path: 'tasks[0].pipeline[0]',
        message: 'found a mapping without any of the keys "command", "foreach", "fork"; expected exactly one of them',
        hint: 'add one of "command", "foreach", "fork", or `active: false` to skip the element',
      }),
    ]);
    // The misspelt key inside the refused element still gets its "did you mean".
    expect(error.diagnostics).toContainEqual(expect.objectContaining({ severity: 'warning', path: 'tasks[0].pipeline[0].comand', hint: 'did you mean "command"?' }));
  });

  it('refuses a `nulldev` element left switched on with one message that says what to do, and no "ignored" notice beside it', () => {
    const error = parseFailure('tasks:\n- name: a\n  pipeline:\n  - command: echo hi\n  - nulldev:\n    description: x\n');
    expect(error.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        path: 'tasks[0].pipeline[1]',
        message: expect.stringMatching(/^found a `nulldev` element that is switched on; handoff runs no such element/),
        hint: 'switch it off with `active: false`, as the original\'s examples do, or remove it',
        location: { file, line: 5, col: 5 },
      }),
    ]);
  });

  it('accepts numbers where text is expected, and warns when the number lost what was written', () => {
    const text = 'version: 0755\ntasks:\n- name: 007\n  commands:\n  - command: sleep\n    args: 10\n  - command: echo\n    args: 12:30\n';
    const { project, warnings } = parseProject(text, file, '/p');
    expect(project.version).toBe('493');
    expect(project.tasks[0]?.name).toBe('7');
    const body = project.tasks[0]?.body;
    expect(body?.kind === 'commands' && body.commands.map((c) => c.args)).toEqual(['10', '750']);
    expect(warnings.map((w) => [w.path, w.hint])).toEqual([
      ['version', 'quote it to keep it as written: "0755"'],
      ['tasks[0].name', 'quote it to keep it as written: "007"'],
      ['tasks[0].commands[1].args', 'quote it to keep it as written: "12:30"'],
    ]);
  });

  it("turns a float in a text key into Python's str() of it, as the original's command line printed it, warning when that is not what was written", () => {
    const text = 'envs:\n- key: R\n  value: 1.0\n- key: BIG\n  value: 1.0e+20\ntasks:\n- name: t\n  commands:\n  - command: echo\n    args: 1.0\n  - command: echo\n    args: 1.5e+3\n  - command: 2.50\n';
    const { project, warnings } = parseProject(text, file, '/p');
    expect(project.envs.map((e) => e.value)).toEqual(['1.0', '1e+20']);
    const body = project.tasks[0]?.body;
    // python3 -c "print('%s %s' % ('echo', 1.0))" and so on: `echo 1.0`, `echo 1500.0`, `2.5`.
    expect(body?.kind === 'commands' && body.commands.map((c) => [c.command, c.args])).toEqual([['echo', '1.0'], ['echo', '1500.0'], ['2.5', undefined]]);
    expect(warnings.map((w) => [w.path, w.message])).toEqual([
      ['envs[1].value', 'found 1.0e+20, which YAML reads as a number; it is used as the text "1e+20" (Python\'s str() of it, as the original printed it)'],
      ['tasks[0].commands[1].args', 'found 1.5e+3, which YAML reads as a number; it is used as the text "1500.0" (Python\'s str() of it, as the original printed it)'],
      ['tasks[0].commands[2].command', 'found 2.50, which YAML reads as a number; it is used as the text "2.5" (Python\'s str() of it, as the original printed it)'],
    ]);
  });

  it('warns about a var defined twice', () => {
    const { warnings } = parseProject('vars:\n- key: a\n  value: 1\n- key: a\n  value: 2\n', file, '/p');
    expect(warnings).toEqual([expect.objectContaining({ severity: 'warning', path: 'vars[1].key', message: expect.stringContaining('defined again') })]);
  });

  it('refuses several YAML documents at the line where the second starts, as PyYAML refused them', () => {
    // `---` starts a second document; so does text after a `...` end marker. A syntax error in the second document
    // would otherwise go unseen, and its tasks would silently not run.
    const cases: Array<[string, number]> = [
      ['tasks:\n- name: a\n  commands:\n  - command: echo a\n---\ntasks:\n- name: b\n  commands:\n  - command: echo b\n', 5],
      ['tasks:\n- name: a\n  commands:\n  - command: echo a\n---\nfoo: [\n', 5],
      ['tasks:\n- name: a\n  commands:\n  - command: echo a\n---\n', 5],
      ['tasks:\n- name: a\n  commands:\n  - command: echo a\n...\nversion: 2\n', 6],
    ];
    for (const [text, line] of cases) {
      const e = parseFailure(text);
      expect(e.exitCode).toBe(2);
      expect(e.message).toMatch(/more than one YAML document/);
      const [only, ...rest] = errorsOf(e);
      expect(rest).toEqual([]);
      expect(only?.location).toMatchObject({ file, line, col: 1 });
      expect(only?.message).toMatch(/project\.yml must be one document/);
    }
  });

  it('reads one document with its optional markers: a leading `---`, a closing `...`, comments after it', () => {
    for (const text of ['---\ntasks: []\n', 'tasks: []\n...\n', '# c\n---\ntasks: []\n...\n# end\n']) {
      expect(parseProject(text, file, '/p').project.tasks).toEqual([]);
    }
  });

  it('lists warnings with the errors when the project is refused', () => {
    const e = parseFailure('descriptoin: x\ntasks:\n- name: a\n');
    expect(e.message).toBe(`${file} has 1 problem (and 1 warning)`);
    expect(e.diagnostics.map((d) => d.severity)).toEqual(['warning', 'error']);
  });
});

describe('loadProject', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'handoff-load-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads project.yml from the project folder', async () => {
    const dir = path.join(root, 'ok');
    await mkdir(dir);
    await writeFile(path.join(dir, 'project.yml'), 'tasks:\n- name: a\n  commands:\n  - command: ls\n');
    const { project } = await loadProject(dir);
    expect(project.file).toBe(path.join(dir, 'project.yml'));
    expect(project.tasks.map((t) => t.name)).toEqual(['a']);
  });

  it('names the path it looked at when project.yml is missing, and says what -p means', async () => {
    const dir = path.join(root, 'empty');
    await mkdir(dir);
    const error = await loadProject(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain(path.join(dir, 'project.yml'));
    expect((error as UserError).fix).toContain('-p');
    expect((error as UserError).exitCode).toBe(2);
  });

  it('refuses a project folder that does not exist, or a file given as the folder', async () => {
    await expect(loadProject(path.join(root, 'nope'))).rejects.toThrow(/does not exist/);
    const dir = path.join(root, 'file-given');
    await mkdir(dir);
    await writeFile(path.join(dir, 'project.yml'), 'tasks: []\n');
    const error = (await loadProject(path.join(dir, 'project.yml')).catch((e: unknown) => e)) as UserError;
    expect(error).toBeInstanceOf(UserError);
    expect(error.fix).toBe(`pass the folder instead: -p ${dir}`);
  });

  it('refuses a binary file that is not UTF-8', async () => {
    const dir = path.join(root, 'binary');
    await mkdir(dir);
    await writeFile(path.join(dir, 'project.yml'), Buffer.from([0x74, 0x61, 0x0a, 0xff, 0xfe, 0x80, 0x81, 0xc3]));
    const error = (await loadProject(dir).catch((e: unknown) => e)) as UserError;
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toContain('not UTF-8');
    expect(error.diagnostics[0]?.location).toMatchObject({ line: 2, col: 1 });
  });

  it('refuses a UTF-16 file with a fix', async () => {
    const dir = path.join(root, 'utf16');
    await mkdir(dir);
    await writeFile(path.join(dir, 'project.yml'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('tasks: []\n', 'utf16le')]));
    const error = (await loadProject(dir).catch((e: unknown) => e)) as UserError;
    expect(error.message).toContain('UTF-16');
    expect(error.fix).toContain('UTF-8');
  });

  it('refuses several YAML documents through the fast reader too (js-yaml hands them over)', async () => {
    const dir = path.join(root, 'multi');
    await mkdir(dir);
    await writeFile(path.join(dir, 'project.yml'), 'tasks:\n- name: a\n  commands:\n  - command: ls\n---\ntasks:\n- name: b\n  commands:\n  - command: ls\n');
    const error = (await loadProject(dir).catch((e: unknown) => e)) as UserError;
    expect(error).toBeInstanceOf(UserError);
    expect(error.diagnostics[0]).toMatchObject({ severity: 'error', location: { file: path.join(dir, 'project.yml'), line: 5, col: 1 } });
  });

  it('refuses a file over 2 MB without reading it', async () => {
    const dir = path.join(root, 'big');
    await mkdir(dir);
    await writeFile(path.join(dir, 'project.yml'), Buffer.alloc(2 * 1024 * 1024 + 1, 0x61));
    await expect(loadProject(dir)).rejects.toThrow(/larger than 2 MB/);
  });
});

describe('parseProject: schedules', () => {
  it('checks cron, rate and timezone with the schedule parser and points at the key', () => {
    const yml = `tasks:
- name: a
  commands:
  - command: echo
schedules:
- target_id: 1
  cron: "0 6 * * MON *"
- target_id: 2
  cron: rate(5 minute)
- target_id: 3
  cron: "0 6 * * ? *"
  timezone: Mars/Olympus
`;
    let error: UserError | undefined;
    try {
      parseProject(yml, 'project.yml', '/p');
    } catch (e) {
      error = e as UserError;
    }
    const errors = error?.diagnostics.filter((d) => d.severity === 'error') ?? [];
    expect(errors.map((d) => d.path)).toEqual(['schedules[0].cron', 'schedules[1].cron', 'schedules[2].timezone']);
    expect(errors[0].message).toContain('day-of-month and day-of-week cannot both be set');
    expect(errors[0].location?.line).toBe(7);
  });
});
