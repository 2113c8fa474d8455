// The templates project.yml holds outside its commands (vars[].value, installs[].command), named by key path.
import type { Project } from '../project/types.js';

/** A template written in one key of project.yml; `path` is also the origin its renderer errors carry. */
export interface FieldTemplate {
  path: string;
  template: string;
}

/** The origin a `vars` value is rendered under: its key path, so an error can be located in project.yml. */
export function varValuePath(index: number): string {
  return `vars[${index}].value`;
}

/** The origin an install command is rendered under (see varValuePath). */
export function installCommandPath(index: number): string {
  return `installs[${index}].command`;
}

/** Whether a renderer's origin is one of the key paths above (a diagnostic's path, as the CLI sees it). */
export function isFieldTemplatePath(path: string): boolean {
  return /^(?:vars\[\d+\]\.value|installs\[\d+\]\.command)$/.test(path);
}

/** Every install command and text `vars` value, in file order (installs, then vars, as SPEC §2 lists them). */
export function listFieldTemplates(project: Project): FieldTemplate[] {
  const found: FieldTemplate[] = project.installs.map((install, i) => ({ path: installCommandPath(i), template: install.command }));
  project.vars.forEach((entry, i) => {
    // Numbers and booleans are values, never templates.
    if (typeof entry.value === 'string') found.push({ path: varValuePath(i), template: entry.value });
  });
  return found;
}
