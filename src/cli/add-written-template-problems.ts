// Adds the template syntax errors of a project.yml refused by its structure to the same report: every problem at once.
import { UserError } from '../errors.js';
import { ProjectStructureRefusal, sortByLocation, summarizeProblems } from '../project/load-project.js';
import { loadPositionalReader } from '../project/parse-yaml-source.js';
import { findWrittenTemplateSyntaxProblems, listWrittenTemplates } from '../runner/find-template-syntax-problems.js';
import { commandTemplateOf } from '../runner/plan-run.js';
import { createRenderer, loadTemplateEngine, needsTemplateEngine } from '../template/render.js';
import { locateFieldTemplateDiagnostic, locateTemplateDiagnostic } from './locate-template-problems.js';

/**
 * A project refused by its structure used to hide its template syntax errors until the structure was fixed, so a user
 * who fixed "the 1 problem" was refused again. Here they join the report, each at its key and line, counted with the
 * others and in the order of the file, checked by the renderer a run uses. Any other error is returned as it is, and
 * so is a refusal without such errors (its message unchanged). Runs only on this error path: a valid project pays
 * nothing.
 */
export async function addWrittenTemplateProblems(error: unknown): Promise<unknown> {
  if (!(error instanceof ProjectStructureRefusal)) return error;
  const written = listWrittenTemplates(error.document);
  const templates = [...written.fields.map((f) => f.template), ...written.commands.map(commandTemplateOf)];
  // Text without more than substitution holds no syntax error; the engine is loaded only when one could.
  if (!templates.some(needsTemplateEngine)) return error;
  await loadTemplateEngine();
  const found = findWrittenTemplateSyntaxProblems(written, createRenderer({ strict: false, onWarning: () => undefined }));
  if (found.length === 0) return error;
  await loadPositionalReader();
  const located = found.map(({ diagnostic, command }) =>
    command ? locateTemplateDiagnostic(diagnostic, command, error.locate) : locateFieldTemplateDiagnostic(diagnostic, error.locate),
  );
  const diagnostics = sortByLocation([...error.diagnostics, ...located]);
  return new UserError(summarizeProblems(error.file, diagnostics), { fix: error.fix, exitCode: error.exitCode, diagnostics });
}
