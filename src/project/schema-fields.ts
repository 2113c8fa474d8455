// Building blocks of the project.yml schema shared by schema.ts and each cloud's deploy keys.
import * as z from 'zod';

/**
 * A key whose value is text. Numbers are accepted too because YAML reads `version: 0.3` or `target_id: 1` as
 * numbers; normalization turns them back into their text form (and warns when the text form lost information).
 */
export function text(description: string) {
  return z.union([z.string(), z.number()]).describe(description);
}

/** How the description of every ignored key starts; the loader's warning repeats it and shows the rest as the hint. */
export const IGNORED_KEY_NOTICE = 'Ignored (accepted for compatibility with the original handoff).';

/**
 * A key the original handoff accepted that we read and ignore. It stays in the schema (marked deprecated) so
 * editors do not flag it; the loader warns that it is ignored.
 */
export function ignored(hint?: string) {
  return z
    .unknown()
    .optional()
    .meta({ deprecated: true, description: hint ? `${IGNORED_KEY_NOTICE} ${hint}` : IGNORED_KEY_NOTICE });
}

/** True for a key declared with `ignored()`: the loader warns instead of reading it. */
export function isIgnoredKeySchema(schema: z.ZodType): boolean {
  return schema.meta()?.deprecated === true;
}
