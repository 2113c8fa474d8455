// The masker of a project's secrets as they are now, for `runs show` / `runs logs`; apart from run-masker.ts because
// it reads the secrets file with the positional YAML reader, which a run must not load unless it has secrets.
import { localSecretsFilePath } from './find-local-secrets-file.js';
import { loadLocalSecrets } from './local-secrets.js';
import { scanSecretValues } from './scan-secret-values.js';
import { createRunMasker } from './run-masker.js';
import type { Masker } from './mask.js';

/**
 * The masker of a project's secrets as they are now, for text of a past run (`runs show`, `runs logs`): a value made a
 * secret after the run printed it is masked, as the UI masks it. A secrets file that does not load (an edit in
 * progress) still masks every value that can be found in it; no file, no project: nothing to mask.
 */
export function currentSecretsMasker(input: { projectDir: string; stage: string; secretsDir?: string }): Masker {
  let values: string[];
  try {
    values = loadLocalSecrets(input).secrets.map((s) => s.value);
  } catch {
    values = scanSecretValues(localSecretsFilePath(input));
  }
  return createRunMasker(values);
}
