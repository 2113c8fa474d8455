// Test helpers: the Pythons of this machine (pyenv's, or Debian's python3.X) that installs[].python tests use.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** `major.minor.micro` of an interpreter, or undefined when it does not run. */
export function versionOf(python: string): string | undefined {
  try {
    return execFileSync(python, ['-c', 'import sys; print(sys.version.split()[0])'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** The executables of pyenv's Pythons whose version matches `pattern` (none without pyenv). */
export function pyenvPythons(pattern: RegExp): string[] {
  const found: string[] = [];
  try {
    const versions = execFileSync('pyenv', ['versions', '--bare'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n');
    for (const v of versions.map((x) => x.trim()).filter((x) => pattern.test(x))) {
      const prefix = execFileSync('pyenv', ['prefix', v], { encoding: 'utf8' }).trim();
      found.push(path.join(prefix, 'bin', `python${v.split('.').slice(0, 2).join('.')}`));
    }
  } catch {
    // No pyenv here.
  }
  return found.filter((file) => fs.existsSync(file));
}

/**
 * An interpreter other than the default `python3`, with its venv module: pyenv's Pythons (this machine and CI have
 * 3.6–3.13), else a Debian python3.X. Undefined when the machine has only one Python.
 */
export function findOtherPython(): { file: string; version: string } | undefined {
  const defaultVersion = versionOf('python3');
  const candidates = pyenvPythons(/^3\.\d+\.\d+$/);
  for (let minor = 13; minor >= 6; minor--) candidates.push(`/usr/bin/python3.${minor}`);
  // Prefer a Python from 3.8 on (the older ones' venv module is slow to bootstrap pip).
  const isOld = (file: string): number => Number(Number(/3\.(\d+)$/.exec(file)?.[1] ?? 0) < 8);
  candidates.sort((a, b) => isOld(a) - isOld(b));
  for (const file of candidates) {
    if (!fs.existsSync(file)) continue;
    const version = versionOf(file);
    if (version && version !== defaultVersion) return { file, version };
  }
  return undefined;
}
