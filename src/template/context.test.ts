// Tests for the template context: precedence of the layers, deploy names, envs from secrets, foreach lines.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll } from 'vitest';
import { UserError } from '../errors.js';
import type { Project } from '../project/types.js';
import type { Secret } from '../secrets/local-secrets.js';
import { recordSecretsOrigin } from '../secrets/secrets-origin.js';
import { createTemplateContext, toLineSafe, withLine } from './context.js';
import { createRenderer, loadTemplateEngine } from './render.js';

// Templates need the engine, which the CLI loads before rendering (see loadTemplateEngine).
beforeAll(loadTemplateEngine);

const NOW = new Date('2024-05-10T12:00:00Z');

function makeProject(over: Partial<Project> = {}): Project {
  return {
    file: '/p/project.yml',
    dir: '/p',
    installs: [],
    vars: [],
    envs: [],
    tasks: [],
    killDownstreamOnFail: true,
    killLoopOnFail: true,
    deploy: { cloud_provider: 'aws', resource_group: 'etl', task: 'daily', bucket: 'my-bucket', cpu: 256 },
    schedules: [],
    container: {},
    ...over,
  };
}

function makeSecret(key: string, value: string): Secret {
  return { key, value, level: 'task', push: true, source: '/p/.secrets/dev_secrets.yml:1' };
}

describe('createTemplateContext', () => {
  it('lets each layer override the ones before it, -v winning over all', () => {
    const key = 'HO_BUCKET';
    const project = makeProject({ envs: [{ key, value: 'from-envs' }], vars: [{ key, value: 'from-vars' }] });
    const base = { project, stage: 'dev', now: NOW };
    const all = createTemplateContext({ ...base, secrets: [makeSecret(key, 'from-secrets')], cliVars: { [key]: 'from-cli' } });
    expect(all.values[key]).toBe('from-cli');
    const noCli = createTemplateContext({ ...base, secrets: [makeSecret(key, 'from-secrets')], cliVars: {} });
    expect(noCli.values[key]).toBe('from-vars');
    const envsOnly = createTemplateContext({
      ...base,
      project: makeProject({ envs: [{ key, value: 'from-envs' }] }),
      secrets: [makeSecret(key, 'from-secrets')],
      cliVars: {},
    });
    expect(envsOnly.values[key]).toBe('from-envs');
    const secretOnly = createTemplateContext({ ...base, project: makeProject(), secrets: [makeSecret(key, 's')], cliVars: {} });
    expect(secretOnly.values[key]).toBe('s');
    const deployOnly = createTemplateContext({ ...base, project: makeProject(), secrets: [], cliVars: {} });
    expect(deployOnly.values[key]).toBe('my-bucket');
  });

  describe('an env whose secret is missing names where the secrets were read', () => {
    const project = makeProject({ envs: [{ key: 'OTHER', value: 'x' }, { key: 'localonly' }] });
    const fail = (secrets: Secret[], cliVars: Record<string, unknown> = {}): UserError => {
      try {
        createTemplateContext({ project, stage: 'dev', now: NOW, secrets, cliVars });
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        return e as UserError;
      }
      throw new Error('expected an error');
    };

    it("the project's .secrets/ file when nothing says otherwise: one that does not exist is said to be missing", () => {
      // Before: "(read from /p/.secrets/dev_secrets.yml)", of a file that was never there.
      const e = fail([]);
      expect(e.message).toBe('envs[1] "localonly" has no value, and there is no secrets file for stage "dev" (looked for /p/.secrets/dev_secrets.yml)');
      expect(e.fix).toBe('create /p/.secrets/dev_secrets.yml with an entry "- key: localonly" and its "value:" (the project\'s secrets for stage "dev"), or give the env a value in project.yml');
      expect(e.diagnostics[0]).toMatchObject({ path: 'envs[1]', location: { file: '/p/project.yml' } });
    });

    it('the file of -v secrets_dir, or the file the secrets were read from', () => {
      expect(fail([], { secrets_dir: '/elsewhere' }).message).toContain('(looked for /elsewhere/dev_secrets.yml)');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-context-'));
      try {
        const file = path.join(dir, 'dev_secrets.yml');
        fs.writeFileSync(file, '- key: PW\n  value: pa55word\n');
        const read = recordSecretsOrigin([makeSecret('PW', 'pa55word')], { kind: 'file', file });
        expect(fail(read).message).toBe(`envs[1] "localonly" has no value, and the secrets of stage "dev" have no key "localonly" (read from ${file})`);
        expect(fail(read).fix).toBe(`add "- key: localonly" with a value to ${file}, or give the env a value in project.yml`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('the store, with push: false as a likely cause, also when the store holds no secret at all', () => {
      for (const stored of [[makeSecret('PW', 'pa55word')], []]) {
        const e = fail(recordSecretsOrigin(stored, { kind: 'store', where: '/home/parameters/handoff/dev-rg/t' }));
        expect(e.message).toBe('envs[1] "localonly" has no value, and the store holds no secret "localonly" for stage "dev" (read from /home/parameters/handoff/dev-rg/t)');
        expect(e.fix).toContain('handoff secrets push -p <project> (a secret marked "push: false" in the secrets file is never pushed');
        expect(e.message + e.fix).not.toContain('.secrets/');
      }
    });
  });

  it('lets a secret override a reserved variable', () => {
    const ctx = createTemplateContext({ project: makeProject(), stage: 'dev', now: NOW, secrets: [makeSecret('_today', 'x')], cliVars: {} });
    expect(ctx.values._today).toBe('x');
  });

  it('exposes deploy keys as HO_<KEY>, with the stage prefix on the resource group only', () => {
    const dev = createTemplateContext({ project: makeProject(), stage: 'dev', now: NOW, secrets: [], cliVars: {} }).values;
    expect(dev).toMatchObject({
      HO_RESOURCE_GROUP: 'dev-etl',
      HO_RESOURCE_GROUP_NAKED: 'etl',
      HO_TASK: 'daily',
      HO_TASK_NAKED: 'daily',
      HO_BUCKET: 'my-bucket',
      HO_CPU: 256,
      HO_CLOUD_PROVIDER: 'aws',
    });
    const prod = createTemplateContext({ project: makeProject(), stage: 'prod', now: NOW, secrets: [], cliVars: {} }).values;
    expect(prod.HO_RESOURCE_GROUP).toBe('etl');
    expect(prod.HO_RESOURCE_GROUP_NAKED).toBe('etl');
  });

  it('includes reserved variables and run facts', () => {
    const ctx = createTemplateContext({
      project: makeProject(),
      stage: 'dev',
      now: NOW,
      secrets: [],
      cliVars: {},
      runId: 'run-1',
      task: 'fetch',
      stateFile: '/w/artifacts/state.json',
    });
    expect(ctx.values).toMatchObject({ _stage_: 'dev_', _today: '2024-05-10', _run_id: 'run-1', _task: 'fetch', _state_file: '/w/artifacts/state.json' });
  });

  it('takes an env without a value from the secret of the same key and exports it', () => {
    const project = makeProject({ envs: [{ key: 'API_TOKEN' }, { key: 'MODE', value: 'fast' }] });
    const ctx = createTemplateContext({ project, stage: 'dev', now: NOW, secrets: [makeSecret('API_TOKEN', 'tok-123')], cliVars: {} });
    expect(ctx.env).toMatchObject({ API_TOKEN: 'tok-123', MODE: 'fast' });
    expect(ctx.values.API_TOKEN).toBe('tok-123');
  });

  it('does not export vars, secrets or -v values as environment variables', () => {
    const project = makeProject({ vars: [{ key: 'v', value: 1 }] });
    const ctx = createTemplateContext({ project, stage: 'dev', now: NOW, secrets: [makeSecret('s', 'secret')], cliVars: { c: 1 } });
    expect(Object.keys(ctx.env).filter((k) => !k.startsWith('HO_'))).toEqual([]);
  });

  it('exports HO_STAGE and the deploy names the original exported (stage-prefixed resource group, bare task)', () => {
    const ctx = createTemplateContext({ project: makeProject(), stage: 'dev', now: NOW, secrets: [], cliVars: {} });
    expect(ctx.env).toEqual({ HO_STAGE: 'dev', HO_CLOUD_PROVIDER: 'aws', HO_RESOURCE_GROUP: 'dev-etl', HO_TASK: 'daily', HO_BUCKET: 'my-bucket' });
    expect(ctx.values.HO_STAGE).toBe('dev');
    const prod = createTemplateContext({ project: makeProject({ envs: [{ key: 'HO_STAGE', value: 'mine' }] }), stage: 'prod', now: NOW, secrets: [], cliVars: {} });
    expect(prod.env).toMatchObject({ HO_STAGE: 'mine', HO_RESOURCE_GROUP: 'etl' });
  });

  it('names the env and the secrets file when the secret for an env is missing, without other secret values', () => {
    const project = makeProject({ envs: [{ key: 'OK', value: 'x' }, { key: 'API_TOKEN' }] });
    let error: unknown;
    try {
      createTemplateContext({ project, stage: 'dev', now: NOW, secrets: [makeSecret('OTHER', 'hunter2-value')], cliVars: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    const e = error as UserError;
    expect(e.message).toContain('API_TOKEN');
    expect(e.message).toContain('envs[1]');
    expect(e.message).toContain('dev_secrets.yml');
    expect(`${e.message} ${e.fix}`).not.toContain('hunter2-value');
  });

  it('renders a var value over earlier layers, in order, and keeps non-string values typed', () => {
    const project = makeProject({
      vars: [
        { key: 'out', value: 'out_{{ _stage_ }}x' },
        { key: 'path', value: '{{ out }}/{{ HO_TASK }}.csv' },
        { key: 'n', value: 3 },
        { key: 'flag', value: false },
      ],
    });
    const dev = createTemplateContext({ project, stage: 'dev', now: NOW, secrets: [], cliVars: {} }).values;
    expect(dev).toMatchObject({ out: 'out_dev_x', path: 'out_dev_x/daily.csv', n: 3, flag: false });
    const prod = createTemplateContext({ project, stage: 'prod', now: NOW, secrets: [], cliVars: {} }).values;
    expect(prod.out).toBe('out_x');
  });

  it('lets a var use a -v value', () => {
    const project = makeProject({ vars: [{ key: 'file', value: 'data_{{ start }}.csv' }] });
    const ctx = createTemplateContext({ project, stage: 'dev', now: NOW, secrets: [], cliVars: { start: '2020-01-01' } });
    expect(ctx.values.file).toBe('data_2020-01-01.csv');
  });

  it('renders a var once: template syntax inside a referenced value stays as text', () => {
    const project = makeProject({ vars: [{ key: 'x', value: '[{{ raw }}]' }] });
    const ctx = createTemplateContext({ project, stage: 'dev', now: NOW, secrets: [], cliVars: { raw: '{{ _stage }}' } });
    expect(ctx.values.x).toBe('[{{ _stage }}]');
  });

  it('reports undefined names in vars through the given renderer', () => {
    const warnings: string[] = [];
    const renderer = createRenderer({ strict: false, onWarning: (m) => warnings.push(m) });
    const project = makeProject({ vars: [{ key: 'a', value: 'x{{ later }}' }, { key: 'later', value: 'y' }] });
    const ctx = createTemplateContext({ project, stage: 'dev', now: NOW, secrets: [], cliVars: {}, renderer });
    expect(ctx.values.a).toBe('x');
    expect(warnings).toEqual(['undefined variable "later" in vars[0].value (renders as empty)']);
    const strict = createRenderer({ strict: true, onWarning: () => {} });
    expect(() => createTemplateContext({ project, stage: 'dev', now: NOW, secrets: [], cliVars: {}, renderer: strict })).toThrow(
      /later.*vars\[0\]\.value/,
    );
  });
});

describe('withLine', () => {
  it('adds _line trimmed and _line_safe, winning over everything else', () => {
    const base = createTemplateContext({ project: makeProject(), stage: 'dev', now: NOW, secrets: [], cliVars: { _line: 'cli' } });
    const ctx = withLine(base, '  s3://bucket/a b?.csv \n');
    expect(ctx.values._line).toBe('s3://bucket/a b?.csv');
    expect(ctx.values._line_safe).toBe('s3_bucket_a_b_.csv');
    expect(ctx.values._stage).toBe('dev');
    expect(base.values._line).toBe('cli');
  });
});

describe('toLineSafe', () => {
  it('replaces each run of unsafe characters with one underscore', () => {
    expect(toLineSafe('a/b//c d-e_f.g')).toBe('a_b_c_d-e_f.g');
    expect(toLineSafe('  {"x": 1}  ')).toBe('_x_1_');
    expect(toLineSafe('ünïcode')).toBe('_n_code');
  });
});

describe('vars typed as PyYAML typed them, through every copy of the project model', () => {
  it('an int beyond 2**53 written as an int is an exact int in templates, its digits in JSON; a float stays a float after the V8 cache', async () => {
    const v8 = await import('node:v8');
    const { loadPositionalReader } = await import('../project/parse-yaml-source.js');
    const { parseLocatedProject } = await import('../project/load-project.js');
    const { PythonFloat } = await import('./python-str.js');
    const text = "vars:\n- key: big\n  value: 123456789012345678901\n- key: quoted\n  value: '123456789012345678901'\n- key: f\n  value: 1.0\n- key: lst\n  value: [-98765432109876543210, 2.0]\ntasks:\n- name: t\n  commands:\n  - command: echo\n";
    const { project } = parseLocatedProject(text, '/p/project.yml', '/p', await loadPositionalReader());
    // JSON (the UI's API) keeps the digits as written and the float as a number.
    expect(JSON.parse(JSON.stringify(project.vars))).toEqual([
      { key: 'big', value: '123456789012345678901' },
      { key: 'quoted', value: '123456789012345678901' },
      { key: 'f', value: 1 },
      { key: 'lst', value: ['-98765432109876543210', 2] },
    ]);
    // The validated-project cache is V8's serialization: its copy must give the same template values.
    for (const copy of [project, v8.deserialize(v8.serialize(project)) as Project]) {
      const { values } = createTemplateContext({ project: copy, stage: 'dev', now: NOW, secrets: [], cliVars: {} });
      expect(values.big).toBe(123456789012345678901n);
      expect(values.quoted).toBe('123456789012345678901');
      expect(values.f).toBeInstanceOf(PythonFloat);
      expect((values.lst as unknown[])[0]).toBe(-98765432109876543210n);
      expect((values.lst as unknown[])[1]).toBeInstanceOf(PythonFloat);
      expect(createRenderer({ strict: true, onWarning: () => {} }).render('{{ big + 1 }} {{ f }} {{ lst }}', values, 'x')).toBe('123456789012345678902 1.0 [-98765432109876543210, 2.0]');
    }
  });
});
