// The tags on every stack and taggable resource: handoff's own (which the deploy role's conditions rely on) and, on a task's, `deploy.tags`.
import { UserError, type Diagnostic } from '../../../errors.js';
import { TAG_RESOURCE_GROUP, TAG_STAGE, TAG_TASK, type DeployNames } from '../names.js';
import type { Tag } from './template.js';

// AWS tag rules (Tagging AWS resources, "Tag naming limits and requirements"): keys 1-128 and values 0-256 Unicode
// characters of letters, digits, spaces and _ . : / = + - @; at most 50 tags per resource; `aws:` is reserved.
const MAX_KEY = 128;
const MAX_VALUE = 256;
const MAX_TAGS = 50;
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
// handoff's own tags, plus `Name` that EC2 resources get: what `deploy.tags` may not use.
const RESERVED_TAGS = 3 + 1;

/** Checks `deploy.tags` against AWS's rules and handoff's reserved keys; every problem at once. */
export function validateUserTags(tags: Record<string, string> | undefined): Record<string, string> {
  if (tags === undefined) return {};
  const problems: Diagnostic[] = [];
  const problem = (key: string, message: string, hint: string): void => {
    problems.push({ severity: 'error', message, path: `deploy.tags.${key}`, hint });
  };
  for (const [key, value] of Object.entries(tags)) {
    if (key.length < 1 || key.length > MAX_KEY) problem(key, `tag key "${key}" has ${key.length} characters; AWS allows 1 to ${MAX_KEY}`, 'shorten the key');
    else if (!TAG_TEXT.test(key)) problem(key, `tag key "${key}" has characters AWS does not allow in tags`, 'use letters, digits, spaces and _ . : / = + - @');
    if (/^aws:/i.test(key)) problem(key, `tag key "${key}" starts with "aws:", which AWS reserves`, 'choose another key');
    if (/^handoff:/i.test(key)) problem(key, `tag key "${key}" starts with "handoff:", which handoff sets itself`, 'choose another key');
    if (key === 'Name') problem(key, 'tag key "Name" is set by handoff on network resources', 'choose another key');
    if (value.length > MAX_VALUE) problem(key, `the value of tag "${key}" has ${value.length} characters; AWS allows ${MAX_VALUE}`, 'shorten the value');
    else if (!TAG_TEXT.test(value)) problem(key, `the value of tag "${key}" has characters AWS does not allow in tags`, 'use letters, digits, spaces and _ . : / = + - @');
  }
  const count = Object.keys(tags).length;
  if (count > MAX_TAGS - RESERVED_TAGS) {
    problems.push({ severity: 'error', message: `deploy.tags has ${count} tags; with handoff's own, AWS allows ${MAX_TAGS - RESERVED_TAGS}`, path: 'deploy.tags', hint: 'remove some tags' });
  }
  if (problems.length > 0) throw new UserError(problems[0]!.message, { fix: problems[0]!.hint, diagnostics: problems });
  return tags;
}

/**
 * The tags as a map: `handoff:resource-group` (the staged name), `handoff:stage`, `handoff:task` for a task's
 * resources, then `deploy.tags`. The stage is its own tag because the staged name alone does not say whose a resource
 * is: stage prod + `dev-etl` and stage dev + `etl` are both `dev-etl`.
 */
export function createTagMap(names: DeployNames, userTags: Record<string, string>, scope: 'resource-group' | 'task'): Record<string, string> {
  const own: Record<string, string> = { [TAG_RESOURCE_GROUP]: names.resourceGroup, [TAG_STAGE]: names.stage };
  if (scope === 'task') own[TAG_TASK] = names.task;
  return { ...own, ...Object.fromEntries(Object.entries(userTags).sort(([a], [b]) => a.localeCompare(b))) };
}

/** The same tags in CloudFormation's `[{Key, Value}]` form; `name` adds the `Name` tag EC2 consoles show. */
export function toTagList(tags: Record<string, string>, name?: string): Tag[] {
  const list = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  return name === undefined ? list : [{ Key: 'Name', Value: name }, ...list];
}
