// Values found in a secrets file that does not load: inline, quoted, with a comment, block scalars and `file:` entries.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanSecretValues } from './scan-secret-values.js';

describe('scanSecretValues', () => {
  it('finds every value a broken file seems to give, erring towards too many', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-scan-'));
    fs.writeFileSync(path.join(dir, 'key.pem'), 'PEM-CONTENT-1234\n');
    const file = path.join(dir, 'dev_secrets.yml');
    fs.writeFileSync(
      file,
      [
        '- key: A',
        '  value: plain-value-1',
        '- value: "quoted value 2"',
        '  key: B',
        "- key: C\n  value: 'with # hash 3' # a comment",
        '- key: D',
        '  value: |',
        '    line one of four',
        '    line two of four',
        '  level: task',
        '- key: E',
        '  file: key.pem',
        '- key: F',
        '  value: [broken',
      ].join('\n'),
    );
    const values = scanSecretValues(file);
    expect(values).toEqual(expect.arrayContaining(['plain-value-1', 'quoted value 2', 'with # hash 3', 'line one of four\nline two of four', 'PEM-CONTENT-1234', '[broken']));
    expect(values).not.toContain('A');
    expect(values).not.toContain('task');
    expect(scanSecretValues(path.join(dir, 'missing.yml'))).toEqual([]);
  });
});
