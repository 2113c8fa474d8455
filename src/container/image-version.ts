// Image version tags (SPEC §7): the next version after the highest existing tag, `0.9` → `0.10`, none → `0.1`.
import { UserError } from '../errors.js';
import { parseVarTexts } from '../template/parse-vars.js';

/** Any image tag (Docker/OCI distribution rules): up to 128 of letters, digits, `_`, `.` and `-`, not starting with `.` or `-`. */
export const IMAGE_TAG = /^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127}$/;

/** `-v version=0.10` as written (as a number it would be 0.1), checked to be an image tag before anything is called. */
export function readVersionOption(vars: string[]): string | undefined {
  const { version } = parseVarTexts(vars, '-v');
  if (version !== undefined && !IMAGE_TAG.test(version)) {
    throw new UserError(`-v version=${JSON.stringify(version)} is not a valid image tag`, { fix: 'use up to 128 letters, digits, _ . and -, not starting with . or -, e.g. 0.3' });
  }
  return version;
}

/** A tag made of dot-separated numbers, e.g. `0.10` or `1.2.3`; other tags (`latest`, `dev-x`) are not versions. */
const VERSION_TAG = /^\d+(\.\d+)*$/;

export function isVersionTag(tag: string): boolean {
  return VERSION_TAG.test(tag);
}

/** Orders version tags numerically part by part (`0.9` < `0.10`), a shorter tag first when one is a prefix. */
export function compareVersionTags(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if (pa[i] === undefined) return -1;
    if (pb[i] === undefined) return 1;
    if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  }
  return 0;
}

/** The highest version tag among `tags`, or undefined when none is a version. */
export function findHighestVersion(tags: Iterable<string>): string | undefined {
  let highest: string | undefined;
  for (const tag of tags) {
    if (!isVersionTag(tag)) continue;
    if (highest === undefined || compareVersionTags(tag, highest) > 0) highest = tag;
  }
  return highest;
}

/** The version after the highest existing one: its last number plus one (`0.9` → `0.10`, `1.2.3` → `1.2.4`); `0.1` first. */
export function findNextVersion(tags: Iterable<string>): string {
  const highest = findHighestVersion(tags);
  if (highest === undefined) return '0.1';
  const parts = highest.split('.').map((p) => BigInt(p));
  parts[parts.length - 1]! += 1n;
  return parts.join('.');
}
