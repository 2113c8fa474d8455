// What a venv of the workspace says about itself: the fingerprint its last completed install left, and where it was made.
import fs from 'node:fs';
import path from 'node:path';

/** Written into W/<venv> after every entry of its install succeeded; removed before an install starts. */
export const FINGERPRINT_FILE = '.handoff-install.json';

export interface StoredFingerprint {
  fingerprint?: string;
  python?: string;
  commands?: string[];
  /** Written before 2026-12: the rendered command in clear text, secrets included; rewritten when next read. */
  command?: string;
  /** Where the venv was made (resolved): a venv holds its path, so moved or copied elsewhere it is not usable. */
  dir?: string;
  /**
   * The wheel package was put into the venv (as the original did into every venv). Venvs of a handoff older than that
   * lack the mark, and get wheel before their commands next run.
   */
  wheel?: boolean;
}

/**
 * Written into W/<venv> right after `python -m venv` made it: the interpreter that made it (its fingerprint text). Unlike
 * the fingerprint it is never removed by an install that starts or fails, so a changed `python:` is seen even then.
 */
export const INTERPRETER_FILE = '.handoff-interpreter.json';

/** The interpreter that made the venv as handoff recorded it, or undefined (made by an older handoff, or unreadable). */
export function readVenvInterpreter(venvDir: string): string | undefined {
  try {
    const python = (JSON.parse(fs.readFileSync(path.join(venvDir, INTERPRETER_FILE), 'utf8')) as { python?: unknown }).python;
    return typeof python === 'string' ? python : undefined;
  } catch {
    return undefined;
  }
}

export function writeVenvInterpreter(venvDir: string, identity: string): void {
  fs.writeFileSync(path.join(venvDir, INTERPRETER_FILE), JSON.stringify({ python: identity }));
}

/**
 * The Python version the venv's pyvenv.cfg names (`version = 3.9.18`; virtualenv writes `version_info = 3.9.18.final.0`):
 * what the venv itself says it runs, for a venv without handoff's record of its interpreter.
 */
export function pyvenvVersion(venvDir: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(venvDir, 'pyvenv.cfg'), 'utf8');
  } catch {
    return undefined;
  }
  const value = (key: string): string | undefined => new RegExp(`^\\s*${key}\\s*=\\s*(\\S+)\\s*$`, 'm').exec(text)?.[1];
  return (value('version') ?? value('version_info'))?.match(/^\d+\.\d+\.\d+/)?.[0];
}

/** The fingerprint of the venv's last completed install, or `{}` when there is none (never completed, or unreadable). */
export function readFingerprint(venvDir: string): StoredFingerprint {
  try {
    return JSON.parse(fs.readFileSync(path.join(venvDir, FINGERPRINT_FILE), 'utf8')) as StoredFingerprint;
  } catch {
    return {};
  }
}

export function realOrResolved(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * Where a venv was made, when that is not where it is now (the workspace was moved, copied or renamed): its scripts'
 * shebangs and bin/activate still name the old folder, so its pip and tools are missing (and the shell finds the
 * global ones on PATH) or are the old workspace's. The fingerprint says where it was made; a venv made before that was
 * recorded, or whose install never completed, is asked through bin/activate (`VIRTUAL_ENV="…"`, every Python 3).
 */
export function venvMadeElsewhere(venvDir: string, stored: StoredFingerprint): string | undefined {
  let madeAt = stored.dir;
  if (madeAt === undefined) {
    try {
      madeAt = /^\s*(?:export\s+)?VIRTUAL_ENV="([^"\n]+)"\s*$/m.exec(fs.readFileSync(path.join(venvDir, 'bin', 'activate'), 'utf8'))?.[1];
    } catch {
      return undefined;
    }
  }
  if (madeAt === undefined || realOrResolved(madeAt) === realOrResolved(venvDir)) return undefined;
  return madeAt;
}

/** Why a venv that exists should not be used as it is, or undefined when its last install completed where it is. */
export function describeUnusableVenv(venvDir: string): string | undefined {
  const stored = readFingerprint(venvDir);
  const madeAt = venvMadeElsewhere(venvDir, stored);
  if (madeAt !== undefined) return `it was made at ${madeAt} (the workspace was moved or copied), and its scripts still point there`;
  if (stored.fingerprint === undefined) return 'its install did not complete (the last workspace install failed or was interrupted)';
  return undefined;
}
