// Refuses, before a run starts, an environment no command could be started with: a NUL byte, or an entry too large.
import { UserError, type Diagnostic } from '../errors.js';

/**
 * Linux's limit on one `KEY=value` string of a new process (MAX_ARG_STRLEN, 32 pages of 4 KiB, with its closing NUL):
 * beyond it every spawn fails with E2BIG. Other systems have only the total (ARG_MAX), which a spawn still reports.
 */
export const MAX_ENV_ENTRY_BYTES = 128 * 1024;

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
export function checkRunEnvironment(env: Record<string, string>, originOf: (key: string) => EnvOrigin, platform: NodeJS.Platform = process.platform): void {
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
    const bytes = Buffer.byteLength(key) + 1 + Buffer.byteLength(value) + 1;
    if (platform === 'linux' && bytes > MAX_ENV_ENTRY_BYTES) {
      diagnostics.push({
        severity: 'error',
        message: `environment variable "${key}" (${origin.describe}) is ${bytes} bytes; Linux starts no process with an environment entry over ${MAX_ENV_ENTRY_BYTES} bytes (E2BIG)`,
        hint: 'pass large values through a file instead: a secret with "file:", or a file under files/',
        ...at,
      });
    }
  }
  if (diagnostics.length === 0) return;
  const first = diagnostics[0]!;
  throw new UserError(`${first.message}; nothing was run`, { fix: first.hint, diagnostics });
}
