// The masker of a project's secrets as they are now, for `runs show` / `runs logs`; apart from run-masker.ts because
// it reads the secrets file with the positional YAML reader, which a run must not load unless it has secrets.
import { localSecretsFilePath } from './find-local-secrets-file.js';
import { loadLocalSecrets, type Secret } from './local-secrets.js';
import { scanSecretValues } from './scan-secret-values.js';
import { createRunMasker, secretTexts } from './run-masker.js';
import { secretsSignature } from './secrets-signature.js';
import type { Masker } from './mask.js';

type SecretsInput = { projectDir: string; stage: string; secretsDir?: string };

/** How often a followed log looks at the secrets' files: each look is one small read and a stat per file. */
const CHECK_MS = 250;

/**
 * The masker of a project's secrets as they are now, for text of a past run (`runs show`, `runs logs`): a value made a
 * secret after the run printed it is masked, as the UI masks it. A secrets file that does not load (an edit in
 * progress) still masks every value that can be found in it; no file, no project: nothing to mask.
 * For a long read (`runs logs --follow`) the secrets are read again when a file they are read from changes
 * (secretsSignature: a `file:` rotated in place too), so a value they get meanwhile is masked from then on. A value
 * once masked stays masked for the read (a file being edited must not unmask it).
 */
export function liveSecretsMasker(input: SecretsInput): () => Masker {
  const file = localSecretsFilePath(input);
  let secrets: Secret[] = [];
  const values = new Set<string>();
  let current: { signature: string; masker: Masker } | undefined;
  let checkedAt = 0;
  return () => {
    if (current && Date.now() - checkedAt < CHECK_MS) return current.masker;
    checkedAt = Date.now();
    // Signed before the read: a file written during it changes the next signature, so it is read again.
    const signature = secretsSignature(file, secrets);
    if (current?.signature !== signature) {
      const read = readValues(input);
      if (read.secrets) secrets = read.secrets;
      for (const value of read.values) values.add(value);
      current = { signature, masker: createRunMasker([...values]) };
    }
    return current.masker;
  };
}

/** The values to mask, and the secrets they came from when the file loaded (undefined when it did not). */
function readValues(input: SecretsInput): { values: string[]; secrets?: Secret[] } {
  try {
    const { secrets } = loadLocalSecrets(input);
    return { values: secrets.flatMap(secretTexts), secrets };
  } catch {
    return { values: scanSecretValues(localSecretsFilePath(input)) };
  }
}
