// Key paths inside a YAML document, written the way users read them: `tasks[0].pipeline[1].command`.

/** A path of mapping keys and list indexes from the document root. */
export type KeyPath = ReadonlyArray<string | number>;

const plainKey = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Formats a key path; keys that are not plain names are quoted (`vars["a.b"]`) so the path stays unambiguous. */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const segment of path) out = appendKeyPath(out, segment);
  return out;
}

/** Extends an already formatted path by one segment (cheaper than reformatting the whole path for each node). */
export function appendKeyPath(formatted: string, segment: string | number): string {
  if (typeof segment === 'number') return `${formatted}[${segment}]`;
  if (plainKey.test(segment)) return formatted === '' ? segment : `${formatted}.${segment}`;
  return `${formatted}[${JSON.stringify(segment)}]`;
}

/** The segments of a formatted key path (`tasks[1].pipeline[0]`, `vars["a.b"]`): the inverse of formatKeyPath. */
export function parseKeyPath(formatted: string): KeyPath {
  const segments: Array<string | number> = [];
  for (const m of formatted.matchAll(/\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]|\.?([A-Za-z_][A-Za-z0-9_-]*)/g)) {
    if (m[1] !== undefined) segments.push(JSON.parse(`"${m[1]}"`) as string);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else segments.push(m[3]!);
  }
  return segments;
}
