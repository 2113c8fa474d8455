// secretsSignature on real files: it changes when any file the secrets are read from is written, wherever it is.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLocalSecrets } from './local-secrets.js';
import { secretsSignature } from './secrets-signature.js';

function setup(): { projectDir: string; file: string; outside: string } {
  const projectDir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-signature-'));
  fs.mkdirSync(path.join(projectDir, '.secrets', 'keys'), { recursive: true });
  const outside = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-signature-abs-')), 'key.txt');
  return { projectDir, file: path.join(projectDir, '.secrets', 'dev_secrets.yml'), outside };
}

/** Writes in place (same inode, same size) and moves the time on, as a key rotated by an editor that truncates. */
function rewrite(file: string, text: string): void {
  fs.writeFileSync(file, text);
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(file, later, later);
}

describe('secretsSignature', () => {
  it('changes when a file: target in a subfolder or at an absolute path is rewritten in place', () => {
    const { projectDir, file, outside } = setup();
    fs.writeFileSync(path.join(projectDir, '.secrets', 'keys', 'sa.txt'), 'old-sub-1');
    fs.writeFileSync(outside, 'old-abs-1');
    fs.writeFileSync(file, `- key: sub\n  file: keys/sa.txt\n- key: abs\n  file: "${outside}"  # rotated monthly\n`);
    const secrets = loadLocalSecrets({ projectDir, stage: 'dev' }).secrets;
    const first = secretsSignature(file, secrets);
    expect(secretsSignature(file, secrets)).toBe(first);
    rewrite(path.join(projectDir, '.secrets', 'keys', 'sa.txt'), 'new-sub-2');
    const second = secretsSignature(file, secrets);
    expect(second).not.toBe(first);
    rewrite(outside, 'new-abs-2');
    expect(secretsSignature(file, secrets)).not.toBe(second);
  });

  it('watches the targets of a flow-style entry (from the last read) and of a file that does not load (from its lines)', () => {
    const { projectDir, file, outside } = setup();
    fs.writeFileSync(outside, 'flow-value-1');
    fs.writeFileSync(file, `- {key: flow, file: ${outside}}\n`);
    const secrets = loadLocalSecrets({ projectDir, stage: 'dev' }).secrets;
    const first = secretsSignature(file, secrets);
    rewrite(outside, 'flow-value-2');
    expect(secretsSignature(file, secrets)).not.toBe(first);

    // Broken (its target is not there yet, so it does not load): the target appearing is a change.
    const missing = path.join(projectDir, '.secrets', 'keys', 'later.txt');
    fs.writeFileSync(file, '- key: later\n  file: keys/later.txt\n');
    expect(() => loadLocalSecrets({ projectDir, stage: 'dev' })).toThrow(/cannot read/);
    const before = secretsSignature(file, []);
    fs.writeFileSync(missing, 'later-value');
    expect(secretsSignature(file, [])).not.toBe(before);
  });

  it('changes when the secrets file itself appears', () => {
    const { file } = setup();
    const none = secretsSignature(file, []);
    fs.writeFileSync(file, '- key: a\n  value: b\n');
    expect(secretsSignature(file, [])).not.toBe(none);
  });
});
