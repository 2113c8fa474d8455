// Builds the template variables and the exported environment of a run, in SPEC §4's order of precedence.
import fs from 'node:fs';
import path from 'node:path';
import { UserError, type Diagnostic } from '../errors.js';
import { fromModelYamlValue } from '../project/python-yaml-values.js';
import type { Project } from '../project/types.js';
import { localSecretsFilePath, nearStageThenOr, suggestStage } from '../secrets/find-local-secrets-file.js';
import type { Secret } from '../secrets/local-secrets.js';
import { findSecretsOrigin, type SecretsOrigin } from '../secrets/secrets-origin.js';
import { formatPythonStr } from './python-str.js';
import { varValuePath } from './field-templates.js';
import { createRenderer, type Renderer } from './render.js';
import { createReservedVars } from './stage-vars.js';
import { toLineSafe } from './text-forms.js';

export { toLineSafe };

export interface TemplateContext {
  /** Everything a template can name. */
  values: Record<string, unknown>;
  /**
   * The environment variables exported to every command, as text: `HO_STAGE` and the `deploy` names the original
   * exported (`HO_RESOURCE_GROUP`, `HO_TASK`, …), then the project's `envs` with their values resolved.
   */
  env: Record<string, string>;
}

export interface TemplateContextInput {
  project: Project;
  stage: string;
  now: Date;
  secrets: Secret[];
  cliVars: Record<string, unknown>;
  /**
   * `-e` values of `run local` and `run`: over the project's envs, in the commands' environment and in templates alike, so an
   * env overridden on the command line has one value in a run (`$KEY` and `{{ KEY }}`).
   */
  cliEnvs?: Record<string, string>;
  runId?: string;
  task?: string;
  stateFile?: string;
  /** Renders `vars` values that are templates; pass the run's renderer so `--strict` and warnings apply to them. */
  renderer?: Renderer;
  /**
   * Given, an env without a value whose secret is missing is left unset (out of the environment and the template
   * variables) and handed here, which may throw `problem` or warn of it: for what runs nothing that needs the secret
   * (`workspace install`, `--dry-run`; SPEC §4: a missing secrets file is a warning). Absent, `problem` is thrown.
   */
  onMissingSecret?: (problem: UserError, key: string, index: number) => void;
}

/**
 * Layers, later winning: reserved vars, `deploy` keys as `HO_<KEY>`, secrets, envs, `-e`, vars, `-v`. A `vars` value may be
 * a template over the layers before it; `-v` values are visible to it too, so `-v start=…` can feed a var such as
 * `out_{{ start }}.csv` (they would win over any earlier value of the same name anyway).
 */
export function createTemplateContext(input: TemplateContextInput): TemplateContext {
  const { project, stage } = input;
  const deployVars = createDeployVars(project, stage);
  const values: Record<string, unknown> = {
    ...createReservedVars(stage, input.now, { runId: input.runId, task: input.task, stateFile: input.stateFile }),
    HO_STAGE: stage,
    ...deployVars,
  };
  const env: Record<string, string> = { HO_STAGE: stage };
  for (const key of EXPORTED_DEPLOY_VARS) {
    if (deployVars[key] !== undefined) env[key] = formatPythonStr(deployVars[key]);
  }

  // A secret as templates see it is typed as PyYAML typed it (`yes` is True); the environment gets its text as a
  // template prints it (Python's str(): `True`), which is also what a push stores.
  const secrets = new Map<string, Secret>();
  for (const secret of input.secrets) {
    secrets.set(secret.key, secret);
    values[secret.key] = templateValueOf(secret);
  }

  project.envs.forEach((entry, index) => {
    if (entry.value === undefined) {
      const secret = secrets.get(entry.key);
      if (!secret) {
        const problem = describeMissingSecret(input, index, entry.key);
        if (!input.onMissingSecret) throw problem;
        input.onMissingSecret(problem, entry.key, index);
        return;
      }
      values[entry.key] = templateValueOf(secret);
      env[entry.key] = secret.value;
      return;
    }
    values[entry.key] = entry.value;
    env[entry.key] = stringifyEnvValue(entry.value);
  });

  for (const [key, value] of Object.entries(input.cliEnvs ?? {})) {
    values[key] = value;
    env[key] = value;
  }

  const renderer = input.renderer ?? createRenderer({ strict: false, onWarning: () => {} });
  project.vars.forEach((entry, index) => {
    const value = entry.value;
    values[entry.key] =
      typeof value === 'string' ? renderer.render(value, { ...values, ...input.cliVars }, varValuePath(index)) : fromModelYamlValue(value);
  });

  Object.assign(values, input.cliVars);
  return { values, env };
}

/**
 * An env without a value whose secret is missing, said of where the secrets were read: the secrets file (`.secrets/`
 * or `-v secrets_dir`), or the store, where a secret the file marks `push: false` is never found.
 */
function describeMissingSecret(input: TemplateContextInput, index: number, key: string): UserError {
  const { project, stage } = input;
  const origin: SecretsOrigin = findSecretsOrigin(input.secrets) ?? {
    kind: 'file',
    file: localSecretsFilePath({ projectDir: project.dir, stage, secretsDir: typeof input.cliVars.secrets_dir === 'string' ? input.cliVars.secrets_dir : undefined }),
  };
  const diagnostics: Diagnostic[] = [
    { severity: 'error', message: `no value and no secret "${key}" for stage "${stage}"`, location: { file: project.file }, path: `envs[${index}]` },
  ];
  const head = `envs[${index}] "${key}" has no value`;
  if (origin.kind === 'store') {
    return new UserError(`${head}, and the store holds no secret "${key}" for stage "${stage}" (read from ${origin.where})`, {
      fix: `push it from the project folder: handoff secrets push -p <project> (a secret marked "push: false" in the secrets file is never pushed: drop that line to push it), or give the env a value in project.yml`,
      diagnostics,
    });
  }
  // No file at all (the usual first run of a project whose envs name secrets): "read from" would name a file never read.
  if (!fs.existsSync(origin.file)) {
    const near = suggestStage(stage, path.dirname(origin.file));
    return new UserError(`${head}, and there is no secrets file for stage "${stage}" (looked for ${origin.file})`, {
      fix: `${near ? nearStageThenOr(near) : ''}create ${origin.file} with an entry "- key: ${key}" and its "value:" (the project's secrets for stage "${stage}"), or give the env a value in project.yml`,
      diagnostics,
    });
  }
  return new UserError(`${head}, and the secrets of stage "${stage}" have no key "${key}" (read from ${origin.file})`, {
    fix: `add "- key: ${key}" with a value to ${origin.file}, or give the env a value in project.yml`,
    diagnostics,
  });
}

function templateValueOf(secret: Secret): unknown {
  return 'typed' in secret ? secret.typed : secret.value;
}

/** The context of one foreach line: `_line` (trimmed) and `_line_safe` win over everything else. */
export function withLine(ctx: TemplateContext, line: string): TemplateContext {
  // Copied, then the two set: V8 copies an object and adds two keys to it in a literal (`{ ...values, a, b }`) several
  // times slower than this while TurboFan is held (src/cli/optimizing-compiler.ts), and a foreach does it per line.
  const values: Record<string, unknown> = Object.assign({}, ctx.values);
  values._line = line.trim();
  values._line_safe = toLineSafe(line);
  return { values, env: ctx.env };
}


/**
 * The `deploy` variables the original also exported to the environment of every command (its whitelist of `HO_`
 * environment variables); the other `deploy` keys are template variables only.
 */
const EXPORTED_DEPLOY_VARS = ['HO_CLOUD_PROVIDER', 'HO_CLOUD_PLATFORM', 'HO_RESOURCE_GROUP', 'HO_TASK', 'HO_BUCKET', 'HO_CONTAINER_IMAGE', 'HO_IMAGE_VERSION'];

/**
 * `deploy` keys as `HO_<KEY>`. Cloud names of a non-prod stage carry the prefix `<stage>-` on the resource group only,
 * so `HO_RESOURCE_GROUP` is prefixed and `HO_RESOURCE_GROUP_NAKED` / `HO_TASK_NAKED` are the bare names.
 */
function createDeployVars(project: Project, stage: string): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(project.deploy)) {
    if (value !== undefined) vars[`HO_${key.toUpperCase()}`] = value;
  }
  const group = project.deploy.resource_group;
  if (group !== undefined) {
    vars.HO_RESOURCE_GROUP_NAKED = group;
    vars.HO_RESOURCE_GROUP = stage === 'prod' ? group : `${stage}-${group}`;
  }
  if (project.deploy.task !== undefined) vars.HO_TASK_NAKED = project.deploy.task;
  return vars;
}

function stringifyEnvValue(value: unknown): string {
  return value === undefined || value === null ? '' : formatPythonStr(value);
}
