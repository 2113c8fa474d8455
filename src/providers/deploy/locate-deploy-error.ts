// Points a deploy error at its place in project.yml: diagnostics with a key path (`deploy.subnets[0]`, `envs[1].key`) get file:line:col.
import { readFile } from 'node:fs/promises';
import { UserError } from '../../errors.js';
import type { KeyPath } from '../../project/format-key-path.js';
import { loadPositionalReader, parseYamlSource } from '../../project/parse-yaml-source.js';

/** `deploy.subnets[0].x` → ['deploy', 'subnets', 0, 'x']; undefined for paths that are not project.yml keys. */
export function parseKeyPath(path: string): KeyPath | undefined {
  if (!/^(deploy|schedules|envs)\b/.test(path)) return undefined;
  const out: (string | number)[] = [];
  for (const part of path.match(/[^.[\]]+|\[\d+\]/g) ?? []) out.push(/^\[\d+\]$/.test(part) ? Number(part.slice(1, -1)) : part);
  return out;
}

/**
 * Runs `body`; a UserError it throws gets the location of each diagnostic's key path in `projectFile`, so the CLI
 * prints `project.yml:12:5: deploy.static_ip: …`. The file is read again only when there is something to locate.
 */
export async function locateDeployErrors<T>(projectFile: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (!(error instanceof UserError) || !error.diagnostics.some((d) => d.path && !d.location && parseKeyPath(d.path))) throw error;
    let source;
    try {
      source = parseYamlSource(await readFile(projectFile, 'utf8'), projectFile, await loadPositionalReader());
    } catch {
      throw error;
    }
    for (const d of error.diagnostics) {
      const path = d.path && !d.location ? parseKeyPath(d.path) : undefined;
      if (path) d.location = source.locate(path);
    }
    throw error;
  }
}
