// `handoff config validate [local]` and `handoff schema`: check project.yml and give editors its JSON Schema.
import fs from 'node:fs';
import path from 'node:path';
import { createProjectJsonSchema } from '../../project/json-schema.js';
import { loadLocatedProject, type LocatedProject } from '../../project/load-project.js';
import { loadPositionalReader } from '../../project/parse-yaml-source.js';
import type { Project } from '../../project/types.js';
import { commandTemplateOf, planRun } from '../../runner/plan-run.js';
import { createRenderer, loadTemplateEngine, needsTemplateEngine } from '../../template/render.js';
import { formatDiagnostic, isUserError, UserError, type Diagnostic } from '../../errors.js';
import { describeNearStage, findLocalSecretsFile, localSecretsFilePath } from '../../secrets/find-local-secrets-file.js';
import { readVarBoolean } from '../../template/parse-vars.js';
import { findTemplateSyntaxProblems } from '../../runner/find-template-syntax-problems.js';
import { listFieldTemplates } from '../../template/field-templates.js';
import { locateFieldTemplateDiagnostic, locateTemplateDiagnostic } from '../locate-template-problems.js';
import { requireProjectDir, type GlobalOptions } from '../global-options.js';
import { printRefusal } from '../refusal-json.js';
import { plural } from '../../plural.js';
import { secretsDirVar, parseCliVars } from '../../secrets/secrets-dir-var.js';
// The local store's name rules alone: the store's names module brings the cloud names and node:crypto with it.
import { findLocalNameProblems } from '../../providers/local/local-name-rules.js';

export async function configValidateCommand(options: GlobalOptions): Promise<number> {
  try {
    return await validateProject(options);
  } catch (error) {
    // --json: the problems as a result on stdout too, in the valid result's shape (SPEC §1); main prints the text.
    if (options.json && isUserError(error)) await printRefusal(error, options);
    throw error;
  }
}

async function validateProject(options: GlobalOptions): Promise<number> {
  // With --cloud-provider, `deploy` is checked for that cloud, as the commands given it would check it.
  const { project, warnings, locate } = await loadLocatedProject(requireProjectDir(options), options.cloudProvider !== undefined ? { cloudProvider: options.cloudProvider } : {}).catch(
    // A refused structure is reported with the templates' syntax errors, all at once (the check runs only then).
    async (error: unknown) => {
      throw await (await import('../add-written-template-problems.js')).addWrittenTemplateProblems(error);
    },
  );
  const plan = planRun(project);
  await checkLocalStoreNames(project, options, locate);
  await checkTemplateSyntax(project, plan, locate);
  // files/ is rendered at every run: its templates' syntax is the project's too (values are the run's, not checked).
  // The template engine is loaded there only by a file that needs it (most of a files/ folder is data).
  if (fs.existsSync(path.join(project.dir, 'files'))) {
    // Loaded only here: a project without files/ (most) has no use for the files/ renderer's module.
    const { checkFileTemplateSyntax } = await import('../../workspace/render-files.js');
    await checkFileTemplateSyntax({ projectDir: project.dir, renderer: createRenderer({ strict: false, onWarning: () => undefined }) });
  }
  warnings.push(...(await checkStage(project, options)), ...(await checkSecretsFile(project, options)), ...(await checkShortSecrets(project, options)));
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ valid: true, file: project.file, tasks: plan.tasks.length, warnings }, null, 2)}\n`);
    return 0;
  }
  for (const w of warnings) process.stderr.write(`${formatDiagnostic(w)}\n`);
  process.stdout.write(
    `${project.file} is valid: ${plural(plan.tasks.length, 'task')}, ${plural(project.installs.length, 'install')}, ` +
      `${plural(project.schedules.length, 'schedule')}${warnings.length ? `, ${plural(warnings.length, 'warning')}` : ''}\n`,
  );
  return 0;
}

/** `-s PROD` / `-s Prod` / `-s prdo`: the did-you-mean a run of this stage would warn of, said here too (describeNearStage). */
async function checkStage(project: Project, options: GlobalOptions): Promise<Diagnostic[]> {
  const input = { projectDir: project.dir, stage: options.stage, secretsDir: secretsDirVar(parseCliVars(options.vars)) };
  // A check reads no secrets: a secrets folder without this stage's file is said here, with the hint, as a run says it.
  const near = await describeNearStage(input, { secretsFolder: true });
  return near ? [{ severity: 'warning', message: near, path: '-s' }] : [];
}

/**
 * With the local provider, `deploy.resource_group`, `deploy.task` and `deploy.bucket` name folders of the local store:
 * what its commands (`secrets push`, `cloud schedule create`, …) would refuse is an error here, at its line. A run
 * (`run local`) uses no store and is not refused by them.
 */
async function checkLocalStoreNames(project: Project, options: GlobalOptions, locate: LocatedProject['locate']): Promise<void> {
  const provider = (options.cloudProvider ?? project.deploy.cloud_provider ?? 'local').trim().toLowerCase();
  if (provider !== 'local') return;
  const written = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());
  const problems = findLocalNameProblems({
    stage: options.stage,
    resourceGroup: written(project.deploy.resource_group),
    task: written(project.deploy.task),
    bucket: written(project.deploy.bucket),
  }).filter((p) => p.path !== '-s/--stage');
  if (problems.length === 0) return;
  await loadPositionalReader();
  throw new UserError(`${project.file} has ${plural(problems.length, 'problem')}`, {
    fix: 'fix each problem listed, then run again',
    diagnostics: problems.map((p) => ({ severity: 'error' as const, message: p.message, path: p.path, location: locate(p.path.split('.')), hint: p.fix })),
  });
}

/**
 * The syntax of every template a run would render (active commands, vars values, install commands), all problems
 * at once, as a run would refuse them before starting, each located at its key of project.yml.
 */
async function checkTemplateSyntax(project: Project, plan: ReturnType<typeof planRun>, locate: LocatedProject['locate']): Promise<void> {
  const templates = [...listFieldTemplates(project).map((f) => f.template), ...[...plan.staticCommands, ...plan.foreachCommands].map(commandTemplateOf)];
  // The engine is loaded only for templates that need more than substitution, as a run does.
  if (!templates.some(needsTemplateEngine)) return;
  await loadTemplateEngine();
  const found = findTemplateSyntaxProblems(project, plan, createRenderer({ strict: false, onWarning: () => undefined }));
  // Locating a problem needs the positional reader, loaded only now that there is one to locate.
  if (found.length > 0) await loadPositionalReader();
  const problems = found.map(({ diagnostic, command }) =>
    command ? locateTemplateDiagnostic(diagnostic, command, locate) : locateFieldTemplateDiagnostic(diagnostic, locate),
  );
  if (problems.length > 0) {
    throw new UserError(`${project.file} has ${plural(problems.length, 'template syntax error')}`, {
      fix: 'correct each template (Jinja2 syntax: {{ name }}, {% if … %}…{% endif %}, {{ name | filter }})',
      diagnostics: problems,
    });
  }
}

/**
 * The stage's secrets file (`-s`, `-v secrets_dir=`) against the secret store of the cloud the project deploys to:
 * what `secrets push` and `cloud deploy` would refuse (a key the store cannot name, a value too large) is an error here,
 * found without credentials. A local project's secrets may be meant for local runs only: not checked.
 */
async function checkSecretsFile(project: Project, options: GlobalOptions): Promise<Diagnostic[]> {
  const vars = parseCliVars(options.vars);
  // Checked for every provider: `allow_advanced_tier=yes` is a mistake wherever it is given.
  const allowAdvancedTier = readVarBoolean(vars, 'allow_advanced_tier', '-v') === true;
  const provider = (options.cloudProvider ?? project.deploy.cloud_provider ?? 'local').trim().toLowerCase();
  if (provider === 'local') return [];
  const input = { projectDir: project.dir, stage: options.stage, secretsDir: secretsDirVar(vars) };
  if (!findLocalSecretsFile(input).exists) return [];
  const { loadLocalSecrets } = await import('../../secrets/local-secrets.js');
  const { checkSecretsForCloud } = await import('../../providers/store/cloud-secret-rules.js');
  const { locateSecretProblem } = await import('../../providers/store/store-secrets.js');
  const check = await checkSecretsForCloud({ project, stage: options.stage, cloudProvider: options.cloudProvider, secrets: loadLocalSecrets(input).secrets });
  if (check?.refusal) throw check.refusal;
  if (!check || allowAdvancedTier) return [];
  return check.advanced.map((e) =>
    locateSecretProblem(e, {
      severity: 'warning',
      message: `secret "${e.key}" is ${e.bytes} bytes as stored: SSM keeps it in the Advanced tier (charged per parameter and month), which secrets push and cloud deploy use only with -v allow_advanced_tier=true`,
    }),
  );
}

/**
 * A secret too short to be masked (under 3 characters) is printed as it is by every run: said here too, as `run local`
 * says it, whatever the cloud. A secrets file that does not load is left to the commands that read it.
 */
async function checkShortSecrets(project: Project, options: GlobalOptions): Promise<Diagnostic[]> {
  const vars = parseCliVars(options.vars);
  const input = { projectDir: project.dir, stage: options.stage, secretsDir: secretsDirVar(vars) };
  const found = findLocalSecretsFile(input);
  if (!found.exists) return [];
  const { loadLocalSecrets } = await import('../../secrets/local-secrets.js');
  const { describeUnmaskableSecrets, findUnmaskableSecrets } = await import('../../secrets/mask.js');
  let short: string[];
  try {
    short = findUnmaskableSecrets(loadLocalSecrets(input).secrets);
  } catch {
    return [];
  }
  return short.length === 0 ? [] : [{ severity: 'warning', message: describeUnmaskableSecrets(short), location: { file: localSecretsFilePath(input) } }];
}

export function schemaCommand(): number {
  process.stdout.write(`${JSON.stringify(createProjectJsonSchema(), null, 2)}\n`);
  return 0;
}
