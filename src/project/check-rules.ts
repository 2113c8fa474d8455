// Named rules of project.yml that a schema cannot say (task shape, pipeline order, venvs, names), each with its location.
import type { Diagnostic } from '../errors.js';
import { checkDeployKeys } from './check-deploy-keys.js';
import { parseSchedule } from '../schedule/parse-schedule.js';
import { ScheduleSyntaxError } from '../schedule/schedule-syntax-error.js';
import { describeValue, isRecord } from './describe-value.js';
import { formatKeyPath } from './format-key-path.js';
import { toSafeFileName } from './log-file-name.js';
import type { KeyPath } from './format-key-path.js';
import type { YamlSource } from './parse-yaml-source.js';

// Rules read the document as written, not the normalized project: some problems (a task with both `pipeline` and
// `commands`) disappear once normalized. They also run when the schema found errors, so every problem is reported
// at once; each rule therefore skips whatever is malformed (the schema has already said so).

type Severity = Diagnostic['severity'];

interface RuleContext {
  data: Record<string, unknown>;
  /** `--cloud-provider` of the command, which `deploy` is checked for instead of its own cloud_provider. */
  cloudProvider?: string;
  source: YamlSource;
  tasks: TaskEntry[];
  report(severity: Severity, path: KeyPath, message: string, hint?: string, at?: 'key' | 'value'): void;
}

interface TaskEntry {
  task: Record<string, unknown>;
  path: KeyPath;
  /** What holds the task: the project, a task's `tasks`, a `foreach` or a `fork`. */
  holder: 'project' | 'tasks' | 'foreach' | 'fork';
  /** The key path of the list that holds it, formatted (`tasks[2].tasks`): tasks at one level share it. */
  level: string;
  /** The mappings of its `pipeline`, each with its key path. */
  elements: PipelineElementEntry[];
}

interface PipelineElementEntry {
  element: Record<string, unknown>;
  path: KeyPath;
}

interface ProjectRule {
  name: string;
  check(ctx: RuleContext): void;
}

const bodyKeys = ['commands', 'pipeline', 'tasks'] as const;
const elementKeys = ['command', 'foreach', 'fork'] as const;
/** An environment variable name (env-keys); the editor JSON Schema uses the same pattern. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Every rule, in the order its problems are found; each adds its own diagnostics. */
export const projectRules: readonly ProjectRule[] = [
  { name: 'task-has-one-body', check: checkTaskHasOneBody },
  { name: 'body-not-empty', check: checkBodyNotEmpty },
  { name: 'pipeline-element-shape', check: checkPipelineElements },
  { name: 'fork-children-are-pipelines', check: checkForkChildren },
  { name: 'task-names', check: checkTaskNames },
  { name: 'task-log-names', check: checkTaskLogNames },
  { name: 'venvs-declared', check: checkVenvsDeclared },
  { name: 'venv-names', check: checkVenvNames },
  { name: 'venv-one-interpreter', check: checkVenvOneInterpreter },
  { name: 'editable-from-files', check: checkEditableFromFiles },
  { name: 'env-keys', check: checkEnvKeys },
  { name: 'unique-var-and-env-keys', check: checkUniqueVarAndEnvKeys },
  { name: 'unique-schedule-targets', check: checkUniqueScheduleTargets },
  { name: 'schedule-expressions', check: checkScheduleExpressions },
  { name: 'deploy-keys-of-provider', check: ({ data, report, cloudProvider }) => checkDeployKeys(data, report, cloudProvider) },
];

/** Runs every rule over the document (a mapping) and returns what they found. */
export function checkRules(source: YamlSource, options: { cloudProvider?: string } = {}): Diagnostic[] {
  if (!isRecord(source.data)) return [];
  const diagnostics: Diagnostic[] = [];
  const ctx: RuleContext = {
    data: source.data,
    ...(options.cloudProvider !== undefined ? { cloudProvider: options.cloudProvider } : {}),
    source,
    tasks: collectTasks(source.data),
    report(severity, path, message, hint, at = 'value') {
      diagnostics.push({ severity, message, path: formatKeyPath(path), location: source.locate(path, at), ...(hint ? { hint } : {}) });
    },
  };
  for (const rule of projectRules) rule.check(ctx);
  return diagnostics;
}

function checkTaskHasOneBody({ tasks, report }: RuleContext): void {
  for (const { task, path } of tasks) {
    const present = bodyKeys.filter((k) => has(task, k));
    if (present.length === 1) continue;
    const name = taskLabel(task);
    if (present.length === 0) {
      report('error', path, `task ${name} has none of commands, pipeline, tasks; expected exactly one`, 'add `pipeline:` (piped commands), `commands:` (one after another) or `tasks:` (nested tasks)');
    } else {
      const listed = present.length === 2 ? `both ${present.join(' and ')}` : present.join(', ');
      report('error', [...path, present[1] as string], `task ${name} has ${listed}; expected exactly one of commands, pipeline, tasks`, 'split it into separate tasks, or nest them under `tasks:`', 'key');
    }
  }
}

function checkBodyNotEmpty({ tasks, report }: RuleContext): void {
  for (const { task, path, elements } of tasks) {
    for (const key of bodyKeys) {
      const list = task[key];
      if (Array.isArray(list) && list.length === 0) {
        report('error', [...path, key], `task ${taskLabel(task)} has an empty ${key} list; expected at least one entry`, `add an entry, or remove the task`);
      }
    }
    for (const { element, path: elementPath } of elements) {
      for (const key of ['foreach', 'fork'] as const) {
        if (Array.isArray(element[key]) && (element[key] as unknown[]).length === 0) {
          report('error', [...elementPath, key], `found an empty ${key} list; expected at least one task`, `add a task, or remove the ${key}`);
        }
      }
    }
  }
}

function checkPipelineElements({ tasks, report }: RuleContext): void {
  for (const { task, elements } of tasks) {
    let last: { kind: 'foreach' | 'fork'; followerReported: boolean } | undefined;
    let activeBefore = 0;
    // Commands before it that run: an inactive command is skipped (SPEC §7), so a foreach or fork after only inactive
    // ones reads no input at all (a task switched off as a whole runs nothing, and is not warned about).
    let activeCommands = 0;
    for (const { element, path: elementPath } of elements) {
      // An element other than a command switched off is left out of the pipeline: it neither follows nor feeds anything.
      if (element.active === false && !has(element, 'command')) continue;
      const kinds = elementKeys.filter((k) => has(element, k));
      if (kinds.length > 1) {
        report('error', [...elementPath, kinds[1] as string], `pipeline element has ${kinds.join(' and ')}; expected exactly one of command, foreach, fork`, 'split it into separate elements', 'key');
      }
      if (last) {
        if (!last.followerReported) {
          last.followerReported = true;
          report('error', elementPath, `found an element after the ${last.kind} of task ${taskLabel(task)}; nothing may follow a foreach or fork in a pipeline`, `move it into the ${last.kind}'s tasks, or into a task of its own`);
        }
        continue;
      }
      const kind = kinds.find((k): k is 'foreach' | 'fork' => k === 'foreach' || k === 'fork');
      activeBefore += 1;
      if (!kind) {
        if (element.active !== false) activeCommands += 1;
        continue;
      }
      if (activeBefore === 1) {
        report('error', elementPath, `found a ${kind} as the first element of the pipeline of task ${taskLabel(task)}; a ${kind} reads the output of the command before it`, `put the command whose output the ${kind} reads before it`);
      } else if (activeCommands === 0 && task.active !== false) {
        // A warning, not an error: `active: false` is a switch users flip for a run, and the result is well defined.
        report(
          'warning',
          elementPath,
          `the ${kind} of task ${taskLabel(task)} follows only commands with active: false; they are skipped, so the ${kind} reads an empty input${kind === 'foreach' ? ' and runs no sub-task' : ''}`,
          `switch a command before the ${kind} back on, or switch the whole task off with active: false`,
        );
      }
      last = { kind, followerReported: false };
    }
  }
}

function checkForkChildren({ tasks, report }: RuleContext): void {
  for (const { task, path, holder } of tasks) {
    if (holder !== 'fork' || has(task, 'pipeline')) continue;
    const body = bodyKeys.find((k) => has(task, k));
    if (!body) continue; // "has none" is already reported
    report('error', [...path, body], `fork child ${taskLabel(task)} has ${body}; each fork child must be a pipeline (it reads a copy of the fork's input)`, 'write the child as `pipeline:` with the commands that read the input', 'key');
  }
}

function checkTaskNames({ tasks, report, source }: RuleContext): void {
  const seen = new Map<string, Map<string, KeyPath>>();
  for (const { task, path, level } of tasks) {
    const name = textOf(task.name);
    if (name === undefined) continue;
    if (name.trim() === '' || name.includes('/') || name === '.' || name === '..') {
      report('error', [...path, 'name'], `found the task name ${JSON.stringify(name)}; task names name log files (artifacts/<name>_stdout.log), so they must be non-empty and contain no "/"`, 'rename the task');
      continue;
    }
    const names = seen.get(level) ?? new Map<string, KeyPath>();
    seen.set(level, names);
    const first = names.get(name);
    if (first) {
      report('error', [...path, 'name'], `task name ${JSON.stringify(name)} is already used by ${describePlace(source, first)} at the same level; expected unique names (they name log files)`, 'rename one of the tasks');
    } else {
      names.set(name, path);
    }
  }
}

/**
 * Every task writes its logs to the one artifacts/ folder, at any depth: `<name>_stdout.log` for a `commands:` or
 * `pipeline:` task (a fork child too), `<name>_<line_safe>_…` for each line of a foreach sub-task. Two that would
 * write the same file would silently overwrite each other's log (and Singer state, and what `-a` pushes), so each
 * such pair is an error at the later one, naming the earlier: two such tasks, or two foreach sub-tasks of one name. A
 * group (`tasks:`) writes no log of its own, and a foreach sub-task's own name none either: they may share a name
 * with a task elsewhere.
 */
function checkTaskLogNames({ tasks, report, source }: RuleContext): void {
  interface Named {
    name: string;
    key: string;
    path: KeyPath;
    perLine: boolean;
  }
  // The first task of each log name, per kind (a task's own logs, a foreach sub-task's lines): a later one of the same
  // kind and name clashes with it. A map, not a scan of every earlier task: a project of thousands of tasks is checked
  // in one pass, and nothing is located unless there is a clash to report.
  const firstOfKey = new Map<string, Named>();
  // A name used before at the same level has its error from the task-names rule already: one error per name is enough.
  const namesAtLevel = new Set<string>();
  for (const { task, path, holder, level } of tasks) {
    const name = textOf(task.name);
    if (name === undefined || name.trim() === '' || name.includes('/') || name === '.' || name === '..') continue;
    const nameAtLevel = `${level}\0${name}`;
    if (namesAtLevel.has(nameAtLevel)) continue;
    namesAtLevel.add(nameAtLevel);
    const perLine = holder === 'foreach';
    if (!perLine && !has(task, 'commands') && !has(task, 'pipeline')) continue;
    const me: Named = { name, key: toSafeFileName(name), path, perLine };
    // A task named like a line of a foreach sub-task elsewhere (`load_1` and `load`) depends on the lines, known only as
    // the run reads them: the run refuses such a line before it starts (run-foreach.ts). Refused here it would refuse the
    // original handoff's own sample (task `triple_numbers` with a foreach sub-task `triple` over numbers). So the two
    // kinds are never compared.
    const kindKey = `${perLine ? 'line' : 'task'}\0${me.key}`;
    const other = firstOfKey.get(kindKey);
    if (other === undefined) {
      firstOfKey.set(kindKey, me);
      continue;
    }
    const problem = logNameClash(me, other);
    report('error', [...path, 'name'], problem.message, problem.hint);
  }

  /** The error for two tasks of one kind whose names give the same log files; `other` is the earlier one. */
  function logNameClash(me: Named, other: Named): { message: string; hint: string } {
    const where = `at ${describePlace(source, other.path)}`;
    const why = 'every task writes its logs to the one artifacts/ folder, whatever its level';
    if (!me.perLine) {
      return {
        message: `task name ${JSON.stringify(me.name)} names the same log files (artifacts/${me.key}_stdout.log) as task ${JSON.stringify(other.name)} ${where}; ${why}, so expected names unique across the whole project`,
        hint: 'rename one of the tasks',
      };
    }
    return {
      message: `foreach sub-task ${JSON.stringify(me.name)} has the name of foreach sub-task ${JSON.stringify(other.name)} ${where}: the lines of both are named ${me.key}_<line> and would write the same log files; ${why}`,
      hint: 'rename one of the foreach sub-tasks',
    };
  }
}

function checkVenvsDeclared({ data, tasks, report }: RuleContext): void {
  const declared = new Set<string>();
  for (const install of recordsUnder(data, 'installs', [])) {
    const venv = textOf(install.item.venv);
    if (venv !== undefined) declared.add(venv);
  }
  const names = [...declared].map((v) => `"${v}"`).join(', ');
  // A command's key path is made only for a venv to report: a project of 500 tasks has thousands of commands.
  // `at` is the command's own path, or its task's with the index of one of the task's `commands`.
  const checkVenv = (venv: string | undefined, at: KeyPath, commandIndex?: number): void => {
    if (venv === undefined || declared.has(venv)) return;
    const known = declared.size > 0 ? `declared venvs: ${names}` : 'no venvs are declared';
    const commandPath = commandIndex === undefined ? at : [...at, 'commands', commandIndex];
    report('error', [...commandPath, 'venv'], `venv "${venv}" is not declared in installs (${known})`, `add an install with \`venv: ${venv}\`, or use a declared venv`);
  };
  // The commands a task runs directly: its `commands`, then the command elements of its `pipeline`.
  for (const { task, path, elements } of tasks) {
    const commands = task.commands;
    if (Array.isArray(commands)) {
      for (let i = 0; i < commands.length; i++) {
        const command: unknown = commands[i];
        if (isRecord(command)) checkVenv(textOf(command.venv), path, i);
      }
    }
    for (const { element, path: elementPath } of elements) {
      if (has(element, 'command')) checkVenv(textOf(element.venv), elementPath);
    }
  }
}

/** The workspace's own entries (workspace-paths.ts, the run lock and the validated-project cache), and what each holds. */
export const WORKSPACE_OWN_NAMES = new Map([
  ['files', 'rendered files'],
  ['artifacts', 'artifacts and Singer state'],
  ['runs', 'run records and logs'],
  ['.handoff', 'cache and the project fetched from a store'],
  ['.handoff.lock', 'run lock'],
]);

function checkVenvNames({ data, report, source }: RuleContext): void {
  for (const { item, path } of recordsUnder(data, 'installs', [])) {
    const venv = textOf(item.venv);
    const python = textOf(item.python);
    if (python !== undefined && venv === undefined) {
      report('error', [...path, 'python'], `found python ${JSON.stringify(python)} in an install without a venv; the interpreter is the one that creates the venv`, 'add `venv: NAME` to this install, or remove `python`');
    }
    if (python !== undefined && (python.trim() === '' || (python.includes('/') && !python.startsWith('/')))) {
      report('error', [...path, 'python'], `found the interpreter ${JSON.stringify(python)}; expected a command name (python3.9) or an absolute path`, 'e.g. `python: python3.9` or `python: /usr/bin/python3.9`');
    } else if (python !== undefined && /^\d+(\.\d+)*$/.test(python.trim())) {
      // A version, as CI configs write it (`python: 3.10`, which YAML even reads as 3.1): looked up on PATH, it is no
      // interpreter at all. The version as written, not as read, goes into the suggestion.
      const version = (source.sourceText([...path, 'python']) ?? python).replace(/^["']|["']$/g, '').trim();
      report('error', [...path, 'python'], `found the Python version ${version}; expected the interpreter that creates the venv: a command name or an absolute path`, `did you mean \`python: python${version}\`?`);
    }
    if (venv === undefined) continue;
    if (venv.trim() === '' || /[/\\]/.test(venv) || venv === '.' || venv === '..') {
      report('error', [...path, 'venv'], `found the venv name ${JSON.stringify(venv)}; a venv is a folder of the workspace, so its name must be non-empty and contain no "/"`, 'use a plain name such as `proc_01`');
    } else if (venv.includes(':')) {
      // W/<venv>/bin goes first on PATH, whose entries ":" separates: the venv's pip and python would not be found,
      // and the global ones would install and run instead.
      report('error', [...path, 'venv'], `found the venv name ${JSON.stringify(venv)}; its bin/ goes on PATH, where ":" separates entries, so the name must contain no ":"`, `use a name without ":", such as \`${venv.replaceAll(':', '_')}\``);
    } else if (WORKSPACE_OWN_NAMES.has(venv)) {
      // `workspace install --force` recreates a venv's folder: named after one of the workspace's own, it would
      // delete the Singer state (artifacts/), the run history (runs/) or the rendered files.
      report('error', [...path, 'venv'], `found the venv name ${JSON.stringify(venv)}, which the workspace uses for its own ${WORKSPACE_OWN_NAMES.get(venv)}`, 'use another name, such as `proc_01`');
    }
  }
}

/** `-e ./files/pkg`, `--editable=files/pkg`, quoted or not: the path under files/ an editable pip install names. */
const EDITABLE_FROM_FILES = /(?:^|\s)(?:-e|--editable)(?:\s+|=)["']?(?:\.\/)?(files(?:\/[^\s'"`;|&<>()]*)?)/g;

/**
 * An editable install keeps the package's metadata (its egg-info) next to its code in W/files, which every run
 * renders anew from P/files, removing what P/files does not hold: the package is gone from the venv at the next run.
 */
function checkEditableFromFiles({ data, report }: RuleContext): void {
  for (const { item, path } of recordsUnder(data, 'installs', [])) {
    const command = textOf(item.command);
    if (command === undefined) continue;
    for (const match of command.matchAll(EDITABLE_FROM_FILES)) {
      const named = (match[1] as string).replace(/\/+$/, '');
      report(
        'warning',
        [...path, 'command'],
        `found an editable install of ${named}: its metadata is kept in the workspace's ${named}, which every run renders anew from the project's files/, so the package is gone from the venv at the next run`,
        `install it without -e (\`pip install ./${named}\`; a change to it reinstalls the venv), or install it editable from outside files/`,
      );
    }
  }
}

/**
 * Entries that share a venv install into one folder, made once by one interpreter: two entries naming different ones
 * would have each remake the venv, deleting what the other installed. An entry without `python` takes the venv's.
 */
function checkVenvOneInterpreter({ data, report, source }: RuleContext): void {
  const named = new Map<string, { python: string; path: KeyPath }>();
  for (const { item, path } of recordsUnder(data, 'installs', [])) {
    const venv = textOf(item.venv);
    const python = textOf(item.python);
    if (venv === undefined || python === undefined) continue;
    const first = named.get(venv);
    if (!first) {
      named.set(venv, { python, path });
    } else if (first.python !== python) {
      report(
        'error',
        [...path, 'python'],
        `venv ${JSON.stringify(venv)} is made by ${JSON.stringify(first.python)}, named at ${describePlace(source, [...first.path, 'python'])}; this entry names ${JSON.stringify(python)}`,
        'entries that share a venv share its interpreter: name it on one entry, or the same on each',
      );
    }
  }
}

function checkEnvKeys({ data, report }: RuleContext): void {
  const lists: Array<{ list: unknown; path: KeyPath }> = [{ list: data.envs, path: ['envs'] }];
  for (const { item, path } of recordsUnder(data, 'schedules', [])) lists.push({ list: item.envs, path: [...path, 'envs'] });
  for (const { list, path } of lists) {
    for (const { item, path: envPath } of listOfRecords(list, path)) {
      // No environment variable can hold a NUL byte (a "\0" escape in a quoted string): every command would fail to
      // start. Said without the value, which may be meant as secret.
      if (typeof item.value === 'string' && item.value.includes('\0')) {
        report('error', [...envPath, 'value'], 'found a NUL byte in the value; no environment variable can hold one', 'remove the "\\0" (or "\\x00", "\\u0000") escape from the value');
      }
      // vars values are templates, envs values are not: a `{{ … }}` here reaches the environment as written.
      if (typeof item.value === 'string' && /\{\{|\{%|\{#/.test(item.value)) {
        report('warning', [...envPath, 'value'], 'envs values are not templates: this one reaches the commands\' environment with its {{ … }} as written', 'move the template to a vars entry and use {{ that_var }} in the command (or set the variable there: OUT={{ that_var }} my-command)');
      }
      const key = textOf(item.key);
      if (key === undefined || ENV_NAME_PATTERN.test(key)) continue;
      report('error', [...envPath, 'key'], `found ${describeValue(item.key)}; expected an environment variable name (letters, digits and _, not starting with a digit)`, 'rename it, e.g. `MY_VAR`');
    }
  }
}

function checkUniqueVarAndEnvKeys({ data, report, source }: RuleContext): void {
  for (const section of ['vars', 'envs'] as const) {
    const seen = new Map<string, KeyPath>();
    for (const { item, path } of recordsUnder(data, section, [])) {
      const key = textOf(item.key);
      if (key === undefined) continue;
      const first = seen.get(key);
      if (first) {
        report('warning', [...path, 'key'], `${section === 'vars' ? 'var' : 'env'} "${key}" is defined again (first at ${describePlace(source, first)}); the last one wins`, 'remove one of them');
      } else {
        seen.set(key, path);
      }
    }
  }
}

/** Cron, rate and timezone are checked by the one schedule parser the local scheduler and AWS deploys use. */
function checkScheduleExpressions({ data, report }: RuleContext): void {
  for (const { item, path } of recordsUnder(data, 'schedules', [])) {
    const cron = textOf(item.cron);
    if (cron === undefined) continue;
    const timezone = textOf(item.timezone);
    try {
      const parsed = parseSchedule(cron, timezone);
      // From now, not only from 1970 as parseSchedule checks: a cron whose years are over never fires again, the same
      // mistake as 31 February, refused the same way (the one rule of the loader that depends on the date). One whose
      // only times fall in an hour a DST change skips never fired at all: `schedule list` explains that case.
      if (parsed.kind === 'cron' && parsed.nextFireTimes(new Date(), 1).length === 0 && parsed.nextFireTimes(new Date(0), 1).length > 0) {
        report('error', [...path, 'cron'], `cron "${cron.trim()}": never fires again: every time it matches is in the past`, 'check the year field (the sixth): use * or include this year or a later one', 'value');
      }
    } catch (error) {
      if (!(error instanceof ScheduleSyntaxError)) throw error;
      report('error', [...path, error.field === 'timezone' && timezone !== undefined ? 'timezone' : 'cron'], error.message, error.fix, 'value');
    }
  }
}

function checkUniqueScheduleTargets({ data, report, source }: RuleContext): void {
  const seen = new Map<string, KeyPath>();
  for (const { item, path } of recordsUnder(data, 'schedules', [])) {
    const target = textOf(item.target_id);
    if (target === undefined) continue;
    const first = seen.get(target);
    if (first) {
      report('error', [...path, 'target_id'], `target_id "${target}" is already used by ${describePlace(source, first)}; expected one schedule per target_id (\`-v target_id=${target}\` picks one)`, 'give each schedule its own target_id');
    } else {
      seen.set(target, path);
    }
  }
}

/**
 * Every task mapping of the document, depth first, with what holds it and its pipeline's elements, found once here
 * for every rule: a project of 500 tasks is walked once, not once per rule.
 */
function collectTasks(data: Record<string, unknown>): TaskEntry[] {
  const out: TaskEntry[] = [];
  const visitList = (owner: Record<string, unknown>, key: string, ownerPath: KeyPath, holder: TaskEntry['holder']): void => {
    const list = owner[key];
    // Most tasks have no `tasks`, most elements no `foreach` or `fork`: nothing is made for a list that is not there.
    if (!Array.isArray(list)) return;
    const listPath = [...ownerPath, key];
    const level = formatKeyPath(listPath);
    for (let index = 0; index < list.length; index++) {
      const item: unknown = list[index];
      if (!isRecord(item)) continue;
      const taskPath = [...listPath, index];
      const elements: PipelineElementEntry[] = [];
      const pipeline = item.pipeline;
      if (Array.isArray(pipeline)) {
        for (let i = 0; i < pipeline.length; i++) {
          const element: unknown = pipeline[i];
          if (isRecord(element)) elements.push({ element, path: [...taskPath, 'pipeline', i] });
        }
      }
      out.push({ task: item, path: taskPath, holder, level, elements });
      visitList(item, 'tasks', taskPath, 'tasks');
      for (const { element, path: elementPath } of elements) {
        visitList(element, 'foreach', elementPath, 'foreach');
        visitList(element, 'fork', elementPath, 'fork');
      }
    }
  };
  visitList(data, 'tasks', [], 'project');
  return out;
}

/** The mappings in the list at `owner[key]` (none when it is not a list), each with its key path. */
function recordsUnder(owner: Record<string, unknown>, key: string, ownerPath: KeyPath): Array<{ item: Record<string, unknown>; path: KeyPath }> {
  // The list's path is made only for a list: most tasks have no `tasks`, most elements no `foreach` or `fork`.
  return Array.isArray(owner[key]) ? listOfRecords(owner[key], [...ownerPath, key]) : [];
}

function listOfRecords(list: unknown, path: KeyPath): Array<{ item: Record<string, unknown>; path: KeyPath }> {
  if (!Array.isArray(list)) return [];
  const out: Array<{ item: Record<string, unknown>; path: KeyPath }> = [];
  list.forEach((item, index) => {
    if (isRecord(item)) out.push({ item, path: [...path, index] });
  });
  return out;
}

function has(record: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(record, key) && record[key] !== undefined;
}

/** Text keys may be written as numbers; anything else is left to the schema. */
function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** `tasks[0] (line 4)`: a place the user can find. */
function describePlace(source: YamlSource, path: KeyPath): string {
  return `${formatKeyPath(path)} (line ${source.locate(path).line ?? 1})`;
}

function taskLabel(task: Record<string, unknown>): string {
  const name = textOf(task.name);
  return name === undefined ? '(unnamed)' : JSON.stringify(name);
}
