// Pure run planning: which tasks run, which venvs they need, and which commands can be rendered before anything starts.
import type { Command, Project, Task } from '../project/types.js';

export interface PlannedTask {
  name: string;
  path: string;
  active: boolean;
  kind: Task['body']['kind'];
  killDownstreamOnFail: boolean;
  timeout?: number;
  retries: number;
  /** One line per command, pipeline element or nested task, for `--dry-run`. */
  outline: string[];
}

export interface RunPlan {
  tasks: PlannedTask[];
  /** Every venv an active command uses. */
  venvs: string[];
  /** Active commands outside foreach: rendered once before the run so a template error starts nothing. */
  staticCommands: Command[];
  /** Active commands inside a foreach: rendered per line, so only their syntax is checked before the run. */
  foreachCommands: Command[];
}

export interface PlanOptions {
  /**
   * Shows a command as it would run (rendered, secrets masked) instead of as written; `insideForeach` commands are
   * rendered per line, so they get a stand-in for `_line`.
   */
  showCommand?: (command: Command, template: string, insideForeach: boolean) => string;
}

/** Walks the task tree once; `insideForeach` commands depend on `_line` and are rendered per line. */
export function planRun(project: Project, options: PlanOptions = {}): RunPlan {
  const commandText = (c: Command, insideForeach: boolean): string => {
    const template = commandTemplateOf(c);
    const line = options.showCommand ? options.showCommand(c, template, insideForeach) : template;
    return c.venv ? `${line}  [venv ${c.venv}]` : line;
  };
  const venvs = new Set<string>();
  const staticCommands: Command[] = [];
  const foreachCommands: Command[] = [];

  const visitCommand = (command: Command, insideForeach: boolean, active: boolean): void => {
    if (!active || !command.active) return;
    if (command.venv) venvs.add(command.venv);
    (insideForeach ? foreachCommands : staticCommands).push(command);
  };
  const visitTask = (task: Task, insideForeach: boolean, active: boolean): string[] => {
    const on = active && task.active;
    const body = task.body;
    if (body.kind === 'commands') {
      body.commands.forEach((c) => visitCommand(c, insideForeach, on));
      return body.commands.map((c) => `${c.active ? '' : '(inactive) '}${commandText(c, insideForeach)}`);
    }
    if (body.kind === 'tasks') {
      return body.tasks.flatMap((t) => [`task ${t.name}:`, ...visitTask(t, insideForeach, on).map((l) => `  ${l}`)]);
    }
    const lines: string[] = [];
    for (const element of body.elements) {
      if (element.kind === 'command') {
        visitCommand(element.command, insideForeach, on);
        lines.push(`${lines.length ? '| ' : ''}${element.command.active ? '' : '(inactive) '}${commandText(element.command, insideForeach)}`);
      } else {
        const label = element.kind === 'foreach' ? `| foreach line${element.parallel > 1 ? ` (parallel ${element.parallel})` : ''}:` : '| fork:';
        lines.push(label);
        for (const sub of element.tasks) {
          lines.push(`    task ${sub.name}:`, ...visitTask(sub, insideForeach || element.kind === 'foreach', on).map((l) => `      ${l}`));
        }
      }
    }
    return lines;
  };

  const tasks = project.tasks.map((task) => ({
    name: task.name,
    path: task.path,
    active: task.active,
    kind: task.body.kind,
    killDownstreamOnFail: task.killDownstreamOnFail,
    timeout: task.timeout,
    retries: task.retries,
    outline: visitTask(task, false, true),
  }));
  return { tasks, venvs: [...venvs], staticCommands, foreachCommands };
}

/** The text of a command as written: `command` and `args` form one shell line. */
export function commandTemplateOf(c: Command): string {
  return c.args ? `${c.command} ${c.args}` : c.command;
}
