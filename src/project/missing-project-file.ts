// The fix for a -p folder without project.yml: names what is there instead (a project.yaml, sub-folders with one).
import fs from 'node:fs';
import path from 'node:path';

const SHOWN_SUB_FOLDERS = 4;

/**
 * A wrong-folder slip is said with what the folder holds: "point -p at the folder that holds project.yml" alone left
 * the user to find the `.yaml` spelling, or which sub-folder (a folder of projects, a `config/`) was meant.
 */
export function missingProjectFileFix(projectDir: string, fallback: string): string {
  const yaml = path.join(projectDir, 'project.yaml');
  if (isFile(yaml)) return `${yaml} is there: handoff reads project.yml (rename it: mv ${yaml} ${path.join(projectDir, 'project.yml')})`;
  let subs: string[];
  try {
    subs = fs
      .readdirSync(projectDir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && isFile(path.join(projectDir, e.name, 'project.yml')))
      .map((e) => e.name)
      .sort();
  } catch {
    return fallback;
  }
  if (subs.length === 0) return fallback;
  const shown = subs.slice(0, SHOWN_SUB_FOLDERS).map((s) => `-p ${path.join(projectDir, s)}`);
  const more = subs.length > SHOWN_SUB_FOLDERS ? ` (and ${subs.length - SHOWN_SUB_FOLDERS} more)` : '';
  return `these sub-folders hold a project.yml: ${shown.join(', ')}${more}`;
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
