// Comparing what is deployed with what should be: JSON with sorted keys, and the paths where two values differ.

/** JSON with sorted keys at every level, so two equal values give equal text. */
export function toCanonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** The deepest paths where `a` and `b` differ (at most 20, so a rewritten policy does not flood the plan). */
export function diffPaths(a: unknown, b: unknown, at: string): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (out.length >= 20) return;
    if (toCanonicalJson(x) === toCanonicalJson(y)) return;
    const bothArrays = Array.isArray(x) && Array.isArray(y);
    const bothObjects = !bothArrays && isPlainObject(x) && isPlainObject(y);
    if (bothArrays) {
      const xs = x as unknown[];
      const ys = y as unknown[];
      if (xs.length !== ys.length) {
        out.push(path || '(root)');
        return;
      }
      xs.forEach((item, i) => walk(item, ys[i], `${path}[${i}]`));
      return;
    }
    if (bothObjects) {
      const xo = x as Record<string, unknown>;
      const yo = y as Record<string, unknown>;
      for (const key of [...new Set([...Object.keys(xo), ...Object.keys(yo)])]) walk(xo[key], yo[key], path ? `${path}.${key}` : key);
      return;
    }
    out.push(path || '(root)');
  };
  walk(a, b, at);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
