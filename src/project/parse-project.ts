// project.yml text to the validated Project in one synchronous call, with the positional reader loaded up front.
import { parseLocatedProject, type LoadedProject } from './load-project.js';
import { parseYamlWithPositions } from './read-positioned-yaml.js';

/**
 * Validates and normalizes project.yml text. `file` is used in messages and, made absolute, as `project.file`.
 * Throws a UserError whose diagnostics hold every error and warning found, each with file:line:col. (loadProject
 * reads project.yml from a folder and loads the positional reader only when the text needs it.)
 */
export function parseProject(text: string, file: string, projectDir: string): LoadedProject {
  const { project, warnings } = parseLocatedProject(text, file, projectDir, parseYamlWithPositions);
  return { project, warnings };
}
