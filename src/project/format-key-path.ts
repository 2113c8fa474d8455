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
