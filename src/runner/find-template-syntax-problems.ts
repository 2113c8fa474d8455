// Every template syntax error of a project (commands, vars values, install commands) found before anything renders.
import { combineUserErrors, UserError, type Diagnostic } from '../errors.js';
import type { Command, Project } from '../project/types.js';
import { isRecord } from '../project/describe-value.js';
import { formatKeyPath, type KeyPath } from '../project/format-key-path.js';
import { installCommandPath, listFieldTemplates, varValuePath, type FieldTemplate } from '../template/field-templates.js';
import type { Renderer } from '../template/render.js';
import { commandTemplateOf, type RunPlan } from './plan-run.js';

/** One problem and where it was written: a command (its `command` and `args` form one template) or one key. */
export interface TemplateSyntaxProblem {
  diagnostic: Diagnostic;
  /** The renderer's error the diagnostic came from (its message names the template and the position in it). */
  error: UserError;
  /** Set for a problem in a command; absent for one in a single key (the diagnostic's path names it). */
  command?: Command;
}

/**
 * Checks the syntax of every template the run could render: install commands, text `vars` values and the plan's
 * active commands. All are checked, so one attempt reports every problem (a var is rendered before any command, and
 * would otherwise stop at the first). The template engine must be loaded when any of them needs it.
 */
export function findTemplateSyntaxProblems(project: Project, plan: Pick<RunPlan, 'staticCommands' | 'foreachCommands'>, renderer: Renderer): TemplateSyntaxProblem[] {
  return checkTemplates(listFieldTemplates(project), [...plan.staticCommands, ...plan.foreachCommands], renderer);
}

/** The templates of project.yml's document as written (one whose structure was refused), as a run would check them. */
export interface WrittenTemplates {
  fields: FieldTemplate[];
  /** Active commands at every level of tasks, with the key path and text a loaded project would give them. */
  commands: Command[];
}

/**
 * The templates a run would check (install commands, text `vars` values, active commands at every level), read from
 * a document that did not pass the structural checks: whatever is written where the project's model would take it,
 * so its syntax errors can be listed with the structural problems instead of after them. Text only: numbers,
 * misplaced values and anything not where a template goes are left to the structural problems already found.
 */
export function listWrittenTemplates(document: Record<string, unknown>): WrittenTemplates {
  const fields: FieldTemplate[] = [];
  const commands: Command[] = [];
  const indexed = (value: unknown): [Record<string, unknown>, number][] =>
    Array.isArray(value) ? value.flatMap((v, i): [Record<string, unknown>, number][] => (isRecord(v) ? [[v, i]] : [])) : [];
  const asText = (value: unknown): string | undefined => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined);
  for (const [install, i] of indexed(document.installs)) {
    if (typeof install.command === 'string') fields.push({ path: installCommandPath(i), template: install.command });
  }
  for (const [entry, i] of indexed(document.vars)) {
    if (typeof entry.value === 'string') fields.push({ path: varValuePath(i), template: entry.value });
  }
  const visitCommand = (c: Record<string, unknown>, at: KeyPath): void => {
    // As planRun: an inactive command is not rendered, so not checked.
    if (c.active === false) return;
    const args = asText(c.args);
    commands.push({ command: asText(c.command) ?? '', ...(args !== undefined ? { args } : {}), active: true, path: formatKeyPath(at) } as Command);
  };
  const visitTasks = (tasks: unknown, at: KeyPath): void => {
    for (const [task, i] of indexed(tasks)) {
      if (task.active === false) continue;
      const taskAt = [...at, i];
      // A task refused for holding two bodies has both checked: each is what was written.
      for (const [c, j] of indexed(task.commands)) visitCommand(c, [...taskAt, 'commands', j]);
      for (const [e, j] of indexed(task.pipeline)) {
        const elementAt = [...taskAt, 'pipeline', j];
        if ('command' in e || 'args' in e) visitCommand(e, elementAt);
        else if (e.active !== false) {
          if ('foreach' in e) visitTasks(e.foreach, [...elementAt, 'foreach']);
          if ('fork' in e) visitTasks(e.fork, [...elementAt, 'fork']);
        }
      }
      visitTasks(task.tasks, [...taskAt, 'tasks']);
    }
  };
  visitTasks(document.tasks, ['tasks']);
  return { fields, commands };
}

/** findTemplateSyntaxProblems for templates read by listWrittenTemplates. */
export function findWrittenTemplateSyntaxProblems(written: WrittenTemplates, renderer: Renderer): TemplateSyntaxProblem[] {
  return checkTemplates(written.fields, written.commands, renderer);
}

function checkTemplates(fields: readonly FieldTemplate[], commands: readonly Command[], renderer: Renderer): TemplateSyntaxProblem[] {
  const problems: TemplateSyntaxProblem[] = [];
  const check = (template: string, origin: string, command?: Command): void => {
    try {
      renderer.check(template, origin);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      for (const diagnostic of error.diagnostics) problems.push(command ? { diagnostic, error, command } : { diagnostic, error });
    }
  };
  for (const field of fields) check(field.template, field.path);
  for (const command of commands) check(commandTemplateOf(command), command.path, command);
  return problems;
}

/** Throws the problems found as one UserError (each listed, the first one's message leading), before anything runs. */
export function checkTemplateSyntax(project: Project, plan: Pick<RunPlan, 'staticCommands' | 'foreachCommands'>, renderer: Renderer): void {
  const problems = findTemplateSyntaxProblems(project, plan, renderer);
  if (problems.length > 0) throw combineUserErrors([...new Set(problems.map((p) => p.error))]);
}
