// What an image build learns from the secrets files (names and file paths, never values), and which installs need a secret.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseProject } from '../project/parse-project.js';
import { findSecretReferences, findTemplateNames, splitInstallsBySecrets } from './secret-references.js';

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-secret-refs-test-'));
  made.push(dir);
  return dir;
}

describe('findSecretReferences', () => {
  it('lists the keys and resolved file: paths of every stage, from .secrets/ and -v secrets_dir', () => {
    const projectDir = tempDir();
    fs.mkdirSync(path.join(projectDir, '.secrets'));
    fs.writeFileSync(path.join(projectDir, '.secrets', 'dev_secrets.yml'), '- key: greeting\n  value: hello\n- key: sa\n  file: ../creds/sa.json\n');
    fs.writeFileSync(path.join(projectDir, '.secrets', 'secrets.yml'), '- key: PROD_TOKEN\n  file: /abs/token\n');
    fs.writeFileSync(path.join(projectDir, '.secrets', 'broken_secrets.yml'), '- key: [unclosed\n');
    const other = path.join(projectDir, 'ci-secrets');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'ci_secrets.yml'), '- key: CI\n  file: ci.json\n');
    const refs = findSecretReferences(projectDir, other);
    expect([...refs.keys].sort()).toEqual(['CI', 'PROD_TOKEN', 'greeting', 'sa']);
    expect(refs.files).toEqual([
      { path: path.join(projectDir, 'creds', 'sa.json'), namedIn: path.join('.secrets', 'dev_secrets.yml') },
      { path: '/abs/token', namedIn: path.join('.secrets', 'secrets.yml') },
      { path: path.join(other, 'ci.json'), namedIn: path.join('ci-secrets', 'ci_secrets.yml') },
    ]);
  });

  it('reads a secrets file saved with a UTF-8 BOM', () => {
    const projectDir = tempDir();
    fs.mkdirSync(path.join(projectDir, '.secrets'));
    fs.writeFileSync(path.join(projectDir, '.secrets', 'dev_secrets.yml'), '\ufeff- key: greeting\n  value: hello\n');
    expect([...findSecretReferences(projectDir).keys]).toEqual(['greeting']);
  });

  it('reads a secrets file with CR-only line ends, as the secrets reader does', () => {
    const projectDir = tempDir();
    fs.mkdirSync(path.join(projectDir, '.secrets'));
    fs.writeFileSync(path.join(projectDir, '.secrets', 'dev_secrets.yml'), '- key: greeting\r  value: hello\r- key: other\r  value: x\r');
    expect([...findSecretReferences(projectDir).keys]).toEqual(['greeting', 'other']);
  });
});

describe('splitInstallsBySecrets', () => {
  it('leaves out installs whose command uses a secret-backed name, with the rest of their venv', () => {
    const yml = [
      'envs:',
      '  - key: TOKEN',
      '  - key: PLAIN',
      '    value: p',
      'vars:',
      '  - key: url',
      '    value: "https://{{ TOKEN }}@example.com"',
      '  - key: region',
      '    value: eu',
      'installs:',
      '  - venv: a',
      '    command: pip install x=={{ PLAIN }} --region {{ region }}',
      '  - venv: b',
      '    command: echo "{{ TOKEN }}"',
      '  - venv: b',
      '    command: pip install y',
      '  - venv: c',
      '    command: pip install {{ url }}',
      '  - venv: d',
      '    command: echo "{{ \'api_key\' }} {{ cfg.api_key }} {{ api_key | default(\'\') }}"',
      '',
    ].join('\n');
    const { project } = parseProject(yml, '/p/project.yml', '/p');
    const { kept, needSecrets } = splitInstallsBySecrets(project, new Set(['api_key']));
    expect(kept.map((i) => i.venv)).toEqual(['a']);
    expect(needSecrets.map((n) => [n.index, n.install.venv, n.names])).toEqual([
      [1, 'b', ['TOKEN']],
      [2, 'b', []],
      [3, 'c', ['url']],
      [4, 'd', ['api_key']],
    ]);
  });

  it('finds the names of a template, not its strings or attributes', () => {
    expect(findTemplateNames('pip install {{ "TOKEN" }} {{ a.TOKEN }} {% if b %}{{ c | upper }}{% endif %} TOKEN')).toEqual(['a', 'if', 'b', 'c', 'upper', 'endif']);
  });
});
