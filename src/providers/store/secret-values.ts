// How secret values are stored: `{{ }}` escaped as the original handoff did, sizes checked against SSM's tiers.
import { UserError } from '../../errors.js';
import type { ParameterTier } from '../provider.js';

/**
 * SSM Parameter Store refuses values holding `{{ … }}` (its syntax for parameter references), so the original handoff
 * stored `{{` as `\{\{` and `}}` as `\}\}`, and undid it when reading. Doing the same keeps stores interchangeable with
 * it. (A value that itself holds the text `\{\{` reads back as `{{`, as it did in the original.)
 */
export function escapeSecretValue(value: string): string {
  return value.split('{{').join('\\{\\{').split('}}').join('\\}\\}');
}

export function unescapeSecretValue(stored: string): string {
  return stored.split('\\{\\{').join('{{').split('\\}\\}').join('}}');
}

/** SSM value limits: 4 KB for Standard parameters, 8 KB for Advanced ones (Systems Manager User Guide, parameter tiers). */
export const STANDARD_TIER_MAX_BYTES = 4096;
export const ADVANCED_TIER_MAX_BYTES = 8192;

/**
 * `config` was where the original handoff kept the whole project (`/<RG>/<task>/config`); its `secrets push` refused the
 * key and its `secrets print` skipped it. We do the same, so old and new stores never mix a secret with a project.
 */
export const RESERVED_SECRET_KEYS = new Set(['config']);

/** The tier a stored (escaped) value needs; a UserError when it fits neither or Advanced was not allowed. */
export function chooseParameterTier(key: string, stored: string, allowAdvanced: boolean): { tier: ParameterTier; bytes: number } {
  const bytes = Buffer.byteLength(stored, 'utf8');
  if (bytes > ADVANCED_TIER_MAX_BYTES) {
    throw new UserError(`secret "${key}" is ${bytes} bytes as stored; SSM parameters hold at most ${ADVANCED_TIER_MAX_BYTES} bytes (Advanced tier). Nothing was pushed`, {
      fix: 'make the value smaller (e.g. keep a large file in the bucket and only its key or password as a secret), or split it into several secrets',
    });
  }
  if (bytes > STANDARD_TIER_MAX_BYTES) {
    if (!allowAdvanced) {
      throw new UserError(
        `secret "${key}" is ${bytes} bytes as stored; Standard SSM parameters hold ${STANDARD_TIER_MAX_BYTES} bytes, so it needs the Advanced tier (charged per parameter and month). Nothing was pushed`,
        { fix: 'allow it with -v allow_advanced_tier=true, or make the value smaller' },
      );
    }
    return { tier: 'Advanced', bytes };
  }
  return { tier: 'Standard', bytes };
}
