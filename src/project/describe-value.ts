// Says what was found in project.yml in the user's terms ("the text "abc"", "a list"), for "found X; expected Y" messages.

const maxShown = 60;

/** Describes a YAML value; `written` is its text in the file, shown for scalars whose reading changed it (`0755`). */
export function describeValue(value: unknown, written?: string): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'boolean') {
    return written !== undefined && written !== String(value) ? `${written} (read as the boolean ${value})` : `the boolean ${value}`;
  }
  if (typeof value === 'number' || typeof value === 'bigint') return `the number ${written ?? String(value)}`;
  if (typeof value === 'string') return `the text ${JSON.stringify(shorten(value))}`;
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Uint8Array) return 'binary data';
  if (value instanceof Set) return 'a set';
  if (value instanceof Date) return 'a date';
  return 'a mapping';
}

/**
 * YAML 1.1 (what the original handoff read) turns unquoted yes/no/on/off/true/false into booleans, so
 * `command: yes` is not the text "yes". Returns the explanation and the fix when that is what happened.
 */
export function explainYaml11Boolean(value: unknown, written: string | undefined): { found: string; hint: string } | undefined {
  if (typeof value !== 'boolean') return undefined;
  const shown = written ?? String(value);
  return {
    found: `${shown}, which YAML 1.1 reads as the boolean ${value} (unquoted yes/no/on/off/true/false are booleans, not text)`,
    hint: `quote it to keep it as text: "${shown}"`,
  };
}

/** True when the value is a plain mapping (not a list, date, set or binary). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function shorten(text: string): string {
  return text.length > maxShown ? `${text.slice(0, maxShown - 1)}…` : text;
}
