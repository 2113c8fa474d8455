// What the project's secrets files name, without their values: the keys (template variables an image build lacks)
// and the `file:` paths (secret files, which may lie outside the secrets folder and must stay out of the image).
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { decodeUtf8Text } from '../decode-utf8-text.js';
import { readLoneCrAsLf } from '../line-breaks.js';
import type { Install, Project } from '../project/types.js';

export interface SecretReferences {
  /** Every secret key of every stage. */
  keys: Set<string>;
  /** Every `file:` of every stage, resolved, with the secrets file that names it (relative to the project). */
  files: { path: string; namedIn: string }[];
}

/**
 * Reads every `*secrets.yml` (each stage's file) in the project's `.secrets/` and in `-v secrets_dir`. An image
 * serves every stage, so none is picked. A file that cannot be read or parsed names nothing here: the build needs no
 * secret, and the run that reads it says what is wrong with it.
 */
export function findSecretReferences(projectDir: string, secretsDir?: string): SecretReferences {
  const found: SecretReferences = { keys: new Set(), files: [] };
  const folders = [path.join(projectDir, '.secrets'), ...(secretsDir === undefined ? [] : [path.resolve(secretsDir)])];
  for (const folder of new Set(folders)) {
    let names: string[];
    try {
      names = fs.readdirSync(folder).filter((n) => n.endsWith('secrets.yml')).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const file = path.join(folder, name);
      let entries: unknown;
      try {
        entries = parse(readLoneCrAsLf(decodeUtf8Text(fs.readFileSync(file))));
      } catch {
        continue;
      }
      if (!Array.isArray(entries)) continue;
      for (const entry of entries as unknown[]) {
        if (entry === null || typeof entry !== 'object') continue;
        const { key, file: secretFile } = entry as { key?: unknown; file?: unknown };
        if (typeof key === 'string') found.keys.add(key);
        // As the secrets reader resolves it: relative to the secrets folder.
        if (typeof secretFile === 'string' && secretFile.trim() !== '') {
          found.files.push({ path: path.resolve(folder, secretFile), namedIn: path.relative(projectDir, file) });
        }
      }
    }
  }
  return found;
}

/** An install left out of the image: the secret-backed names its command uses. */
export interface InstallNeedingSecrets {
  index: number;
  install: Install;
  names: string[];
}

/**
 * Splits the installs into those the image can run and those that need a secret (an env without a value, or a
 * secret key) that a build does not have. A venv's entries go together: when one needs a secret, the whole venv is
 * left to `handoff run` at the container's start, which has the secrets.
 */
export function splitInstallsBySecrets(project: Project, secretKeys: ReadonlySet<string>): { kept: Install[]; needSecrets: InstallNeedingSecrets[] } {
  const secretNames = new Set([...secretKeys, ...project.envs.filter((e) => e.value === undefined).map((e) => e.key)]);
  // Names the build defines itself win (an env with a value, a var), unless a var is made from a secret.
  for (const e of project.envs) if (e.value !== undefined) secretNames.delete(e.key);
  for (const v of project.vars) {
    if (typeof v.value === 'string' && findTemplateNames(v.value).some((n) => secretNames.has(n))) secretNames.add(v.key);
    else secretNames.delete(v.key);
  }
  const uses = project.installs.map((install) => findTemplateNames(install.command).filter((n) => secretNames.has(n)));
  const venvsNeedingSecrets = new Set(project.installs.filter((i, n) => i.venv !== undefined && uses[n]!.length > 0).map((i) => i.venv));
  const kept: Install[] = [];
  const needSecrets: InstallNeedingSecrets[] = [];
  project.installs.forEach((install, index) => {
    if (uses[index]!.length > 0 || (install.venv !== undefined && venvsNeedingSecrets.has(install.venv))) needSecrets.push({ index, install, names: uses[index]! });
    else kept.push(install);
  });
  return { kept, needSecrets };
}

/** The variable names a template's tags (`{{ … }}`, `{% … %}`) mention, string literals and attributes aside. */
export function findTemplateNames(template: string): string[] {
  const names = new Set<string>();
  for (const tag of template.matchAll(/\{\{([\s\S]*?)\}\}|\{%([\s\S]*?)%\}/g)) {
    const code = (tag[1] ?? tag[2] ?? '').replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, '""');
    for (const m of code.matchAll(/(?<![.\w])[A-Za-z_]\w*/g)) names.add(m[0]);
  }
  return [...names];
}
