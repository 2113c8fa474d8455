// Holds the editor JSON Schema to the loader: documents `config validate` refuses, the schema refuses; ones it accepts, it accepts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { createProjectJsonSchema } from './json-schema.js';
import { parseLocatedProject } from './load-project.js';
import { loadPositionalReader, parseYamlSource, type PositionalReader } from './parse-yaml-source.js';

// Python's jsonschema (a full draft 2020-12 validator: oneOf, not, dependentRequired, prefixItems) judges the schema;
// zod's fromJSONSchema, which json-schema.test.ts uses, reads none of those. CI installs it (.ci/install-test-deps.sh).
const hasJsonschema = spawnSync('python3', ['-c', 'import jsonschema'], { stdio: 'ignore' }).status === 0;
const skipReason = hasJsonschema ? '' : ' (skipped: python3 cannot import jsonschema; `python3 -m pip install jsonschema`, as .ci/install-test-deps.sh does)';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Each document's problems as Python's jsonschema finds them: [path, keyword, message] per error. */
function validateWithJsonschema(schema: object, documents: unknown[]): Array<Array<[string, string, string]>> {
  const script = [
    'import json, sys, jsonschema',
    'a = json.load(sys.stdin)',
    "v = jsonschema.Draft202012Validator(a['schema'])",
    "print(json.dumps([[['.'.join(map(str, e.absolute_path)), e.validator, e.message[:200]] for e in v.iter_errors(d)] for d in a['documents']]))",
  ].join('\n');
  const result = spawnSync('python3', ['-c', script], { input: JSON.stringify({ schema, documents }), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`python3 jsonschema failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Array<Array<[string, string, string]>>;
}

const task = 'tasks:\n- name: t\n  commands:\n  - command: echo hi\n';
const withDeploy = (deploy: string) => `${task}deploy:\n${deploy.replace(/^/gm, '  ')}\n`;
const gcp = 'cloud_provider: gcp\ngcp_project: acme-data-prod\nregion: europe-west1';
const azure = 'cloud_provider: azure\nsubscription_id: 0f9c3e5a-1b2c-4d3e-8f4a-5b6c7d8e9f00\nresource_group_name: rg-etl\nlocation: westeurope';

/** What both must refuse, one rule each (the loader's rule named first). */
const refused: Record<string, string> = {
  'task-has-one-body: both': 'tasks:\n- name: t\n  commands:\n  - command: a\n  pipeline:\n  - command: b\n',
  'task-has-one-body: none': 'tasks:\n- name: t\n  description: nothing to run\n',
  'body-not-empty: commands': 'tasks:\n- name: t\n  commands: []\n',
  'body-not-empty: pipeline': 'tasks:\n- name: t\n  pipeline: []\n',
  'body-not-empty: tasks': 'tasks:\n- name: t\n  tasks: []\n',
  'body-not-empty: foreach': 'tasks:\n- name: t\n  pipeline:\n  - command: ls\n  - foreach: []\n',
  'body-not-empty: fork': 'tasks:\n- name: t\n  pipeline:\n  - command: ls\n  - fork: []\n',
  'a key misspelt into no body (pipline)': 'tasks:\n- name: t\n  pipline:\n  - command: ls\n',
  'foreach parallel 0': 'tasks:\n- name: t\n  pipeline:\n  - command: ls\n  - foreach:\n    - name: e\n      commands:\n      - command: echo\n    parallel: 0\n',
  'pipeline-element-shape: foreach first': 'tasks:\n- name: t\n  pipeline:\n  - foreach:\n    - name: e\n      commands:\n      - command: echo\n',
  'pipeline-element-shape: fork first': 'tasks:\n- name: t\n  pipeline:\n  - fork:\n    - name: c\n      pipeline:\n      - command: cat\n  - command: ls\n',
  'fork-children-are-pipelines': 'tasks:\n- name: t\n  pipeline:\n  - command: ls\n  - fork:\n    - name: c\n      commands:\n      - command: cat\n',
  'task-names: slash': 'tasks:\n- name: a/b\n  commands:\n  - command: ls\n',
  'task-names: blank': 'tasks:\n- name: "  "\n  commands:\n  - command: ls\n',
  'task-names: empty': 'tasks:\n- name: ""\n  commands:\n  - command: ls\n',
  'task-names: ..': 'tasks:\n- name: ".."\n  commands:\n  - command: ls\n',
  'task-names: nested': 'tasks:\n- name: t\n  tasks:\n  - name: x/y\n    commands:\n    - command: ls\n',
  'venv-names: workspace folder': `installs:\n- venv: artifacts\n  command: pip install x\n${task}`,
  'venv-names: .handoff': `installs:\n- venv: .handoff\n  command: pip install x\n${task}`,
  'venv-names: slash': `installs:\n- venv: a/b\n  command: pip install x\n${task}`,
  'venv-names: backslash': `installs:\n- venv: 'a\\b'\n  command: pip install x\n${task}`,
  'venv-names: ..': `installs:\n- venv: ".."\n  command: pip install x\n${task}`,
  'venv-names: blank': `installs:\n- venv: " "\n  command: pip install x\n${task}`,
  'venv-names: python without venv': `installs:\n- python: python3.11\n  command: pip install x\n${task}`,
  'venv-names: python a version number': `installs:\n- venv: v\n  python: 3.10\n  command: pip install x\n${task}`,
  'venv-names: python a version text': `installs:\n- venv: v\n  python: "3.11"\n  command: pip install x\n${task}`,
  'venv-names: python a relative path': `installs:\n- venv: v\n  python: bin/python3\n  command: pip install x\n${task}`,
  'venv-names: python blank': `installs:\n- venv: v\n  python: " "\n  command: pip install x\n${task}`,
  'env-keys: digit first': `envs:\n- key: 1ST\n  value: a\n${task}`,
  'env-keys: hyphen': `envs:\n- key: MY-VAR\n  value: a\n${task}`,
  'env-keys: schedule': `${task}schedules:\n- target_id: 1\n  cron: "0 0 * * ? *"\n  envs:\n  - key: bad key\n    value: x\n`,
  'aws: region of another cloud': withDeploy('cloud_provider: aws\nregion: europe-west1'),
  'aws: cpu': withDeploy('cloud_provider: aws\ncpu: 300'),
  'aws: memory for the cpu': withDeploy('cloud_provider: aws\ncpu: 256\nmemory: 4096'),
  'aws: memory of no cpu': withDeploy('cloud_provider: aws\nmemory: 3000'),
  'aws: storage below': withDeploy('cloud_provider: aws\nstorage: 10'),
  'aws: storage above': withDeploy('cloud_provider: aws\nstorage: 201'),
  'gcp: gcp_project missing': withDeploy('cloud_provider: gcp\nregion: europe-west1'),
  'gcp: region missing': withDeploy('cloud_provider: gcp\ngcp_project: acme-data-prod'),
  'gcp: gcp_project': withDeploy('cloud_provider: gcp\ngcp_project: Acme_Data\nregion: europe-west1'),
  'gcp: region': withDeploy('cloud_provider: gcp\ngcp_project: acme-data-prod\nregion: europe-west-1'),
  'gcp: artifact_registry': withDeploy(`${gcp}\nartifact_registry: My_Repo`),
  'gcp: service_account': withDeploy(`${gcp}\nservice_account: nobody`),
  'gcp: notification_channels': withDeploy(`${gcp}\nnotification_channels: [channel-1]`),
  'gcp: task_timeout': withDeploy(`${gcp}\ntask_timeout: 700000`),
  'gcp: max_retries': withDeploy(`${gcp}\nmax_retries: 11`),
  'azure: subscription_id missing': withDeploy('cloud_provider: azure\nresource_group_name: rg\nlocation: westeurope'),
  'azure: subscription_id': withDeploy('cloud_provider: azure\nsubscription_id: my-subscription\nresource_group_name: rg\nlocation: westeurope'),
  'azure: location': withDeploy('cloud_provider: azure\nsubscription_id: 0f9c3e5a-1b2c-4d3e-8f4a-5b6c7d8e9f00\nresource_group_name: rg\nlocation: West Europe'),
  'azure: storage_account': withDeploy(`${azure}\nstorage_account: My-Store`),
  'azure: key_vault': withDeploy(`${azure}\nkey_vault: kv--etl`),
  'azure: environment': withDeploy(`${azure}\nenvironment: Env_1`),
  'azure: registry': withDeploy(`${azure}\nregistry: https://myregistry.azurecr.io/`),
  'azure: log_retention_days': withDeploy(`${azure}\nlog_retention_days: 7`),
};

/** What both must accept: the edges of each constraint, from the accepted side. */
const accepted: Record<string, string> = {
  'a name that is a number, one with dots and spaces inside': 'tasks:\n- name: 1.5\n  commands:\n  - command: ls\n- name: a .b\n  commands:\n  - command: ls\n',
  'a pipeline that starts with a foreach switched off': 'tasks:\n- name: t\n  pipeline:\n  - active: false\n    foreach:\n    - name: e\n      commands:\n      - command: echo\n  - command: ls\n',
  'a fork of pipelines, a foreach of any tasks': 'tasks:\n- name: t\n  pipeline:\n  - command: ls\n  - fork:\n    - name: c\n      pipeline:\n      - command: cat\n- name: u\n  pipeline:\n  - command: ls\n  - foreach:\n    - name: e\n      tasks:\n      - name: f\n        commands:\n        - command: echo\n',
  'venvs and interpreters': `installs:\n- venv: proc_01\n  python: python3.11\n  command: pip install x\n- venv: files2\n  python: /usr/bin/python3\n  command: pip install y\n- venv: 7\n  command: pip install z\n${task}`,
  'env keys': `envs:\n- key: _A1\n  value: a\n- key: b\n${task}schedules:\n- target_id: 1\n  cron: "0 0 * * ? *"\n  envs:\n  - key: __VARS\n    value: a=1\n`,
  'no tasks at all': 'description: nothing yet\ntasks: []\n',
  'aws sizes and region': withDeploy('cloud_provider: aws\nregion: eu-west-1\ncpu: 256\nmemory: 512\nstorage: 20'),
  'aws memory only': withDeploy('cloud_provider: aws\nmemory: 30720'),
  'aws keys kept while running locally': withDeploy('cloud_provider: local\nregion: anything\ncpu: 300'),
  'another cloud\'s sizes under gcp': withDeploy(`${gcp}\ncpu: 2048\nmemory: 1024`),
  'gcp with every key': withDeploy(
    'cloud_provider: gcp\ngcp_project: " acme-data-prod "\nregion: us-central1\nartifact_registry: handoff\nservice_account: 123-compute@developer.gserviceaccount.com\nnotification_channels: [projects/p/notificationChannels/1]\ntask_timeout: 604800\nmax_retries: 10',
  ),
  'azure with every key': withDeploy(
    'cloud_provider: azure\nsubscription_id: 0F9C3E5A-1B2C-4D3E-8F4A-5B6C7D8E9F00\nresource_group_name: rg-etl\nlocation: westeurope\nstorage_account: store01\nkey_vault: kv-etl\nenvironment: env-1\nregistry: myregistry.azurecr.io\nlog_retention_days: 730',
  ),
};

describe.skipIf(!hasJsonschema)(`the editor JSON Schema against the loader, judged by Python's jsonschema${skipReason}`, () => {
  const schema = createProjectJsonSchema();
  let reader: PositionalReader;
  beforeAll(async () => {
    reader = await loadPositionalReader();
  });

  /** The loader's errors for a document (none: accepted), and its data as JSON. */
  const load = (text: string, file = 'project.yml'): { errors: string[]; warnings: string[]; data: unknown } => {
    const data = parseYamlSource(text, file, reader).data;
    try {
      const { warnings } = parseLocatedProject(text, file, path.dirname(file), reader);
      return { errors: [], warnings: warnings.map((w) => `${w.path}: ${w.message}`), data };
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      return { errors: error.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.path}: ${d.message}`), warnings: [], data };
    }
  };

  it('refuses what config validate refuses, rule by rule', () => {
    const cases = Object.entries(refused).map(([name, text]) => ({ name, ...load(text) }));
    const verdicts = validateWithJsonschema(schema, cases.map((c) => c.data));
    const loaderAccepted = cases.filter((c) => c.errors.length === 0).map((c) => c.name);
    const schemaAccepted = cases.filter((_, i) => verdicts[i]!.length === 0).map((c) => c.name);
    expect(loaderAccepted).toEqual([]);
    expect(schemaAccepted).toEqual([]);
  });

  it('accepts what config validate accepts: the edges of each rule', () => {
    const cases = Object.entries(accepted).map(([name, text]) => ({ name, ...load(text) }));
    const verdicts = validateWithJsonschema(schema, cases.map((c) => c.data));
    expect(cases.filter((c) => c.errors.length > 0).map((c) => [c.name, c.errors])).toEqual([]);
    expect(cases.map((c, i) => [c.name, verdicts[i]]).filter(([, v]) => (v as unknown[]).length > 0)).toEqual([]);
  });

  it('accepts every example project and the original handoff\'s projects, flagging only the keys the loader warns are unknown', () => {
    const files = ['examples', 'test/fixtures/compat'].flatMap((dir) =>
      fs.readdirSync(path.join(repo, dir), { withFileTypes: true }).filter((e) => e.isDirectory() && fs.existsSync(path.join(repo, dir, e.name, 'project.yml'))).map((e) => path.join(repo, dir, e.name, 'project.yml')),
    );
    expect(files.length).toBeGreaterThan(10);
    const cases = files.map((file) => ({ file: path.relative(repo, file), ...load(fs.readFileSync(file, 'utf8'), file) }));
    expect(cases.filter((c) => c.errors.length > 0).map((c) => [c.file, c.errors])).toEqual([]);
    const verdicts = validateWithJsonschema(schema, cases.map((c) => c.data));
    const flagged = cases.flatMap((c, i) =>
      verdicts[i]!.filter(([at, keyword, message]) => {
        // Unknown keys are flagged on purpose (the editor shows a typo as it is typed); the loader warns about each.
        const key = /'([^']+)' was unexpected/.exec(message)?.[1];
        const keyPath = [...(at ? at.split('.') : []), key].map((s, j) => (/^\d+$/.test(s ?? '') ? `[${s}]` : `${j > 0 ? '.' : ''}${s}`)).join('');
        return !(keyword === 'additionalProperties' && key && c.warnings.includes(`${keyPath}: unknown key "${key}" is ignored`));
      }).map((v) => [c.file, ...v]),
    );
    expect(flagged).toEqual([]);
  });
});
