// Every template syntax error of a project (commands, vars values, install commands) found before anything renders.
import { combineUserErrors, UserError, type Diagnostic } from '../errors.js';
import type { Command, Project } from '../project/types.js';
import { listFieldTemplates } from '../template/field-templates.js';
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
  const problems: TemplateSyntaxProblem[] = [];
  const check = (template: string, origin: string, command?: Command): void => {
    try {
      renderer.check(template, origin);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      for (const diagnostic of error.diagnostics) problems.push(command ? { diagnostic, error, command } : { diagnostic, error });
    }
  };
  for (const field of listFieldTemplates(project)) check(field.template, field.path);
  for (const command of [...plan.staticCommands, ...plan.foreachCommands]) check(commandTemplateOf(command), command.path, command);
  return problems;
}

/** Throws the problems found as one UserError (each listed, the first one's message leading), before anything runs. */
export function checkTemplateSyntax(project: Project, plan: Pick<RunPlan, 'staticCommands' | 'foreachCommands'>, renderer: Renderer): void {
  const problems = findTemplateSyntaxProblems(project, plan, renderer);
  if (problems.length > 0) throw combineUserErrors([...new Set(problems.map((p) => p.error))]);
}
