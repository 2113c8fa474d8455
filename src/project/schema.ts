// The zod schema of project.yml as written (SPEC §2): the one source for validation and for the editor JSON Schema.
import * as z from 'zod';
import { CLOUD_PROVIDERS } from './cloud-providers.js';
import { awsDeployKeys } from './deploy-keys/aws-deploy-keys.js';
import { azureDeployKeys } from './deploy-keys/azure-deploy-keys.js';
import { gcpDeployKeys } from './deploy-keys/gcp-deploy-keys.js';
import { ignored, text } from './schema-fields.js';
import { MAX_TIMEOUT_SECONDS, MAX_TIMEOUT_TEXT } from './timeout-limit.js';

export { IGNORED_KEY_NOTICE, isIgnoredKeySchema } from './schema-fields.js';

const timeoutSeconds = (description: string) =>
  z.number().positive().max(MAX_TIMEOUT_SECONDS, { error: `expected at most ${MAX_TIMEOUT_TEXT}, the longest timer handoff can keep` }).optional().describe(description);

export const installSchema = z
  .object({
    venv: text('Name of the Python virtual environment (a folder in the workspace) to create and install into.').optional(),
    command: text('Shell command run with the venv active, e.g. `pip install tap-exchangeratesapi`.'),
    python: text(
      'Interpreter that creates the venv: a command name looked up on PATH (`python3.9`) or an absolute path. Default: `python3`. Part of the venv\'s fingerprint: changing it recreates the venv.',
    ).optional(),
    description: text('Free text for people reading the project.').optional(),
  })
  .describe('One install step of `workspace install`.');

export const varSchema = z
  .object({
    key: text('Template variable name, used as `{{ key }}` in commands and files.'),
    value: z.unknown().describe('Value of the variable; keeps its YAML type and renders as text.'),
    description: text('Free text for people reading the project.').optional(),
  })
  .describe('A template variable (in memory only; never exported to the environment).');

export const envSchema = z
  .object({
    key: text('Environment variable name (letters, digits and `_`, not starting with a digit).'),
    value: text('Value of the variable. Leave the key out to take the secret with the same key.').optional(),
    description: text('Free text for people reading the project.').optional(),
  })
  .describe('An environment variable set for every command (and usable in templates).');

export const commandSchema = z
  .object({
    command: text('The program to run; with `args` it forms one shell command line (`/bin/sh -c "<command> <args>"`).'),
    args: text('Arguments appended to the command (templated with `{{ var }}`).').optional(),
    venv: text('Run with this venv from `installs` active (its `bin/` first on PATH).').optional(),
    active: z.boolean().default(true).describe('Set to false to skip this command.'),
    timeout: timeoutSeconds('Seconds before the command is interrupted and counted as failed; no limit when absent.'),
  })
  .meta({ id: 'ProjectCommand', description: 'One command: `command` plus optional `args`, run through /bin/sh.' });

const nulldev = ignored('The last command\'s stdout always goes to `artifacts/<task>_stdout.log`; an element with `active: false` is skipped.');
const elementActive = z.boolean().default(true).describe('Set to false to skip this element; the pipeline stays joined around it.');

export const pipelineCommandSchema = commandSchema
  .extend({ nulldev })
  .describe('A command in a pipeline; its stdout feeds the next element.');

export const taskSchema = z
  .object({
    name: text('Task name; also names its logs `artifacts/<name>_stdout.log` and `<name>_stderr.log`.'),
    description: text('Free text for people reading the project.').optional(),
    active: z.boolean().default(true).describe('Set to false to skip this task.'),
    kill_downstream_on_fail: z
      .boolean()
      .optional()
      .describe('When this task fails, stop the tasks after it. Default: the enclosing task\'s value, else the project\'s.'),
    kill_loop_on_fail: z
      .boolean()
      .optional()
      .describe('In a foreach, stop looping over lines after a failure. Default: the enclosing task\'s value, else the project\'s.'),
    timeout: timeoutSeconds('Seconds for the whole task before it is interrupted and counted as failed; no limit when absent.'),
    retries: z.number().int().min(0).default(0).describe('Extra attempts after a failure.'),
    stdout: ignored('Stdout always goes to `artifacts/<task>_stdout.log`.'),
    get commands(): z.ZodOptional<z.ZodArray<typeof commandSchema>> {
      return z.array(commandSchema).optional().describe('Commands run one after another, not piped (use exactly one of commands, pipeline, tasks).');
    },
    get pipeline(): z.ZodOptional<z.ZodArray<typeof pipelineElementSchema>> {
      return z
        .array(pipelineElementSchema)
        .optional()
        .describe('Elements joined by pipes: commands, then optionally one `foreach` or `fork` at the end (use exactly one of commands, pipeline, tasks).');
    },
    get tasks(): z.ZodOptional<z.ZodArray<typeof taskSchema>> {
      return z.array(taskSchema).optional().describe('Nested tasks run in order (use exactly one of commands, pipeline, tasks).');
    },
  })
  .meta({ id: 'ProjectTask', description: 'A named task with exactly one of `commands`, `pipeline` or `tasks`.' });

export const foreachSchema = z
  .object({
    get foreach(): z.ZodArray<typeof taskSchema> {
      return z.array(taskSchema).describe('Tasks run once per line of the upstream output, with `{{ _line }}` and `{{ _line_safe }}` set.');
    },
    parallel: z.number().int().min(1).default(1).describe('How many lines run at once (1 = one after another, in order).'),
    active: elementActive,
    nulldev,
  })
  .describe('Runs its tasks once per line of the output of the command before it; must be the last element.');

export const forkSchema = z
  .object({
    get fork(): z.ZodArray<typeof taskSchema> {
      return z.array(taskSchema).describe('Pipeline tasks that each receive a copy of the upstream output and run at once.');
    },
    active: elementActive,
    nulldev,
  })
  .describe('Copies the output of the command before it to every child pipeline; must be the last element.');

/** The original's `- nulldev:` with `active: False`: an element that is only there switched off, skipped. */
export const inactiveElementSchema = z
  .object({
    active: z.literal(false).describe('Always false: this element is skipped.'),
    description: text('Free text for people reading the project.').optional(),
    nulldev,
  })
  .describe('An element switched off with `active: false` (e.g. the original\'s `nulldev`); skipped.');

export const pipelineElementSchema = z
  .union([pipelineCommandSchema, foreachSchema, forkSchema, inactiveElementSchema])
  .meta({ id: 'ProjectPipelineElement', description: 'A pipeline element: a command, `{foreach: [task…]}` or `{fork: [task…]}`.' });

export const deploySchema = z
  .object({
    cloud_provider: z
      .enum(CLOUD_PROVIDERS)
      .default('local')
      .describe(`Where the project is deployed and run: ${CLOUD_PROVIDERS.map((p) => `\`${p}\``).join(', ')} (\`local\`: folders on this machine).`),
    resource_group: text('Resource group: tasks that share cloud resources (e.g. one client); non-prod stages prefix it, e.g. `dev-etl`.').optional(),
    task: text('Name of the deploy task (the deployed project) in the store, logs and the container task definition.').optional(),
    container_image: text('Container image name.').optional(),
    image_version: text('Container image tag.').optional(),
    image_domain: text('Registry domain of the image, e.g. `<account>.dkr.ecr.<region>.amazonaws.com`.').optional(),
    region: text('Region of the cloud: AWS `eu-west-1` (every call and name; overrides the profile\'s and AWS_REGION) or Google Cloud `europe-west1` (required with cloud_provider gcp); Azure reads `location` instead.').optional(),
    bucket: text('Bucket for config, files, artifacts and run records.').optional(),
    cpu: z.number().int().positive().optional().describe('CPU units of the container, 1024 = 1 vCPU (256 = 0.25 vCPU); each cloud checks it against its allowed sizes.'),
    memory: z.number().int().positive().optional().describe('Memory of the container in MiB; each cloud checks it against its allowed sizes.'),
    storage: z.number().int().positive().optional().describe('Ephemeral storage in GiB.'),
    push_artifacts_on_fail: z.boolean().optional().describe('Push artifacts to the store even when the run failed.'),
    alarm_email: text('Email address notified by the task\'s failure alarms.').optional(),
    log_retention_days: z.number().int().positive().optional().describe('Days the task\'s logs are kept.'),
    task_timeout: z.number().int().positive().optional().describe('Seconds a cloud run may take before the cloud stops it and counts it as timed out; each cloud checks it against its limits.'),
    max_retries: z.number().int().min(0).optional().describe('How many times the cloud runs a failed run again (default 0: a pipeline is not re-run behind your back).'),
    // Each cloud's own keys live in deploy-keys/, one file per cloud, so adding a cloud touches only its file.
    ...awsDeployKeys,
    ...gcpDeployKeys,
    ...azureDeployKeys,
    provider: ignored('Use `cloud_provider`.'),
    platform: ignored('Use `cloud_platform`.'),
  })
  .describe('Where and how the project is deployed.');

export const scheduleEnvSchema = z
  .object({
    key: text('Environment variable name passed to the scheduled run.'),
    value: text('Its value; `__VARS` holds `-v` style variables, e.g. `start_date=$(date -I -d "-7 day")`.'),
  })
  .describe('An environment variable of a scheduled run.');

export const scheduleSchema = z
  .object({
    target_id: text('Identifier of this schedule (`-v target_id=N` picks it).'),
    cron: text('When it fires: AWS 6-field cron (`0 0 * * ? *`), `rate(1 hour)`, or a preset such as `@daily`.'),
    envs: z.array(scheduleEnvSchema).optional().describe('Environment variables of the scheduled run.'),
    name: text('Display name of the schedule.').optional(),
    description: text('Free text for people reading the project.').optional(),
    timezone: text('IANA time zone of the cron expression, e.g. `Europe/Paris`; default UTC.').optional(),
    enabled: z.boolean().default(true).describe('Set to false to keep the schedule without firing it.'),
    overlap: z
      .enum(['skip', 'queue', 'allow'])
      .default('skip')
      .describe('Local scheduler: what to do when the schedule fires while its previous run still goes on — skip the fire (default), queue one run for when it ends, or allow runs side by side.'),
    catch_up: z
      .boolean()
      .default(false)
      .describe('Local scheduler: after fires were missed while the scheduler was down, run once when it starts again.'),
  })
  .describe('A trigger that runs the project on a schedule.');

export const containerSchema = z
  .object({
    docker_file: text('Custom Dockerfile, relative to the project folder.').optional(),
    files_dir: text('Extra folder copied into the image build context, relative to the project folder.').optional(),
    base_image: text('Base image of the generated Dockerfile.').optional(),
  })
  .describe('How the container image is built.');

export const projectSchema = z
  .object({
    version: text('Format version; informational.').optional(),
    description: text('What the project does; informational.').optional(),
    installs: z.array(installSchema).optional().describe('Virtual environments and install commands of `workspace install`.'),
    vars: z.array(varSchema).optional().describe('Template variables, in memory only.'),
    envs: z.array(envSchema).optional().describe('Environment variables of every command.'),
    tasks: z.array(taskSchema).optional().describe('The job: tasks run in order.'),
    kill_downstream_on_fail: z.boolean().default(true).describe('Default for tasks: stop the tasks after a failed one.'),
    kill_loop_on_fail: z.boolean().default(true).describe('Default for foreach: stop looping over lines after a failure.'),
    deploy: deploySchema.optional().describe('Where and how the project is deployed.'),
    schedules: z.array(scheduleSchema).optional().describe('Schedules that run the project in the cloud or with the local scheduler.'),
    container: containerSchema.optional().describe('How the container image is built.'),
    secrets: ignored('Secrets live in `.secrets/secrets.yml` (prod) or `.secrets/<stage>_secrets.yml`, never in project.yml.'),
    schedule: ignored('Schedules are read from `schedules:` (a list).'),
  })
  .describe('A handoff project: tasks to run, their environment, deployment and schedules.');

/** project.yml after schema validation, before normalization (defaults applied, numbers not yet turned into text). */
export type RawProject = z.output<typeof projectSchema>;
export type RawTask = z.output<typeof taskSchema>;
export type RawCommand = z.output<typeof commandSchema>;
export type RawPipelineElement = z.output<typeof pipelineElementSchema>;
