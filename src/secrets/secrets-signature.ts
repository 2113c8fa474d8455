// A cheap fingerprint of every file a stage's secrets are read from, so a reader that keeps them (the web UI) reads
// them again when any of them changes: the secrets file, and each `file:` it names, wherever that file is.
import { readFileSync, statSync } from 'node:fs';
import { secretFilePath, type Secret } from './local-secrets.js';
import { scanSecretFileTargets } from './scan-secret-values.js';

/**
 * The mtime, size and inode of the secrets file and of every `file:` target: those its last good read used (any YAML
 * form) and those its lines name now (also while it does not load). A folder's time would not do: it changes when
 * entries come and go, not when a file in it, or in a subfolder, is written in place (a key rotated).
 * Costs one small read and a stat per file, so it can be asked often.
 */
export function secretsSignature(secretsFile: string, lastRead: readonly Pick<Secret, 'source'>[]): string {
  let text = '';
  try {
    text = readFileSync(secretsFile, 'utf8');
  } catch {
    // no file (or not readable): its stat below says so
  }
  const targets = new Set(scanSecretFileTargets(secretsFile, text));
  for (const secret of lastRead) {
    const target = secretFilePath(secret);
    if (target !== undefined) targets.add(target);
  }
  return [secretsFile, ...[...targets].sort()].map((file) => `${file}=${statOf(file)}`).join('\n');
}

function statOf(file: string): string {
  try {
    const stat = statSync(file);
    return `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'unreadable';
  }
}
