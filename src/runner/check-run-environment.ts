// Refuses, before a run starts, an environment no command could be started with: a NUL byte, an entry or the whole too large.
import { readFileSync } from 'node:fs';
import { UserError, type Diagnostic } from '../errors.js';

/**
 * Linux's limit on one `KEY=value` string of a new process (MAX_ARG_STRLEN, 32 pages of 4 KiB, with its closing NUL):
 * beyond it every spawn fails with E2BIG. Other systems have only the total (ARG_MAX), which a spawn still reports.
 */
export const MAX_ENV_ENTRY_BYTES = 128 * 1024;

/**
 * Room left for a command's own arguments (`/bin/sh -c <line>`, the launcher's) and what handoff adds per process
 * (PATH's venv folder, VIRTUAL_ENV, the run id) when the whole environment is checked. A longer command line is
 * reported when it starts, as the shell reports it ("Argument list too long").
 */
export const ARGUMENTS_RESERVE_BYTES = 16 * 1024;

/** The environment a run's processes get and the kernel's limit on it with their arguments (argMaxOfThisProcess). */
export interface EnvironmentTotal {
  /** handoff's own environment, which every process of the run inherits under the run's entries. */
  inherited: Record<string, string | undefined>;
  /** Bytes of arguments and environment together, with a pointer per string; undefined: not known, not checked. */
  argMax: number | undefined;
}

/**
 * Linux's limit on a new process's arguments and environment together (strings, NULs and a pointer each), as the
 * kernel computes it (fs/exec.c): a quarter of the stack size limit (`ulimit -s`, inherited by the run's processes),
 * at most 6 MiB (three quarters of 8 MiB) and at least 128 KiB. `getconf ARG_MAX` gives the quarter without the cap;
 * the soft limit is read from /proc/self/limits, so no process is started to ask. Undefined elsewhere.
 */
export function argMaxOfThisProcess(platform: NodeJS.Platform = process.platform): number | undefined {
  if (platform !== 'linux') return undefined;
  let limits: string;
  try {
    limits = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
  const soft = /^Max stack size\s+(\S+)/m.exec(limits)?.[1];
  const stack = soft === undefined || soft === 'unlimited' ? Infinity : Number(soft);
  if (Number.isNaN(stack)) return undefined;
  return Math.max(Math.min(6 * 1024 * 1024, Math.floor(stack / 4)), 128 * 1024);
}

/** Where an environment variable's value comes from, for messages that may not show the value (it may be a secret). */
export interface EnvOrigin {
  /** `envs[2] of project.yml`, `secret "TOKEN" (…/dev_secrets.yml:4)`, `-e TOKEN`. */
  describe: string;
  location?: Diagnostic['location'];
  path?: string;
}

/**
 * Every entry of the run's environment that the kernel would refuse, all at once; messages name the key, where the
 * value comes from and its size, never the value. Node.js would refuse a NUL byte only when the first command starts,
 * quoting the whole value, after the run has started and its record was written.
 */
export function checkRunEnvironment(
  env: Record<string, string>,
  originOf: (key: string) => EnvOrigin,
  platform: NodeJS.Platform = process.platform,
  total: EnvironmentTotal = { inherited: process.env, argMax: argMaxOfThisProcess(platform) },
): void {
  const diagnostics: Diagnostic[] = [];
  for (const [key, value] of Object.entries(env)) {
    const origin = originOf(key);
    const at = { ...(origin.location ? { location: origin.location } : {}), ...(origin.path ? { path: origin.path } : {}) };
    if (key.includes('\0') || value.includes('\0')) {
      diagnostics.push({
        severity: 'error',
        message: `environment variable ${JSON.stringify(key.replaceAll('\0', '\\0'))} (${origin.describe}) holds a NUL byte, which no environment variable can hold`,
        hint: 'remove the NUL byte (a "\\0" or "\\x00" escape in a quoted YAML string) from the value',
        ...at,
      });
      continue;
    }
    const bytes = entryBytes(key, value);
    if (platform === 'linux' && bytes > MAX_ENV_ENTRY_BYTES) {
      diagnostics.push({
        severity: 'error',
        message: `environment variable "${key}" (${origin.describe}) is ${bytes} bytes; Linux starts no process with an environment entry over ${MAX_ENV_ENTRY_BYTES} bytes (E2BIG)`,
        hint: 'pass large values through a file instead: a secret with "file:", or a file under files/',
        ...at,
      });
    }
  }
  if (diagnostics.length === 0) checkTotal(env, originOf, total);
  if (diagnostics.length === 0) return;
  const first = diagnostics[0]!;
  throw new UserError(`${first.message}; nothing was run`, { fix: first.hint, diagnostics });
}

/**
 * The whole environment (handoff's own, under the run's entries) with room for a command's arguments must fit in
 * ARG_MAX, or every process of the run fails with E2BIG: refused naming the largest entries, never a value.
 */
function checkTotal(env: Record<string, string>, originOf: (key: string) => EnvOrigin, total: EnvironmentTotal): void {
  if (total.argMax === undefined) return;
  const entries = new Map<string, number>();
  for (const [key, value] of Object.entries(total.inherited)) if (value !== undefined) entries.set(key, entryBytes(key, value));
  for (const [key, value] of Object.entries(env)) entries.set(key, entryBytes(key, value));
  // Each string has a pointer (8 bytes on 64-bit Linux) beside it; the arguments' pointers are in the reserve.
  let bytes = 0;
  for (const size of entries.values()) bytes += size + 8;
  if (bytes + ARGUMENTS_RESERVE_BYTES <= total.argMax) return;
  const largest = [...entries].sort((a, b) => b[1] - a[1]).slice(0, 3);
  const named = largest.map(([key, size]) => `"${key}" (${Object.hasOwn(env, key) ? originOf(key).describe : "handoff's own environment"}) ${size} bytes`);
  const message = `the run's environment is ${bytes} bytes in ${entries.size} entries; with ${ARGUMENTS_RESERVE_BYTES} bytes for a command's arguments that is over the ${total.argMax} bytes Linux gives a new process's environment and arguments together (ARG_MAX: a quarter of the stack size limit, \`ulimit -s\`), so no process could start (E2BIG); the largest: ${named.join(', ')}`;
  const first = largest[0]![0];
  const origin = Object.hasOwn(env, first) ? originOf(first) : undefined;
  throw new UserError(`${message}; nothing was run`, {
    fix: 'pass large values through files instead (a secret with "file:", or a file under files/), or raise the stack size limit (ulimit -s) of the shell that runs handoff',
    diagnostics: [{ severity: 'error', message, ...(origin?.location ? { location: origin.location } : {}), ...(origin?.path ? { path: origin.path } : {}) }],
  });
}

/** `KEY=value` with its closing NUL, as the kernel counts it. */
function entryBytes(key: string, value: string): number {
  return Buffer.byteLength(key) + 1 + Buffer.byteLength(value) + 1;
}
