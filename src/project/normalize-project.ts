// Turns a schema-valid, rule-clean project.yml into the Project model: defaults resolved, text keys as text, paths kept.
import path from 'node:path';
import { normalizeAwsDeploy } from './deploy-keys/aws-deploy-keys.js';
import type { Command, Deploy, Project, PipelineElement, Schedule, Task, TaskBody } from './types.js';
import { formatKeyPath, parseKeyPath } from './format-key-path.js';
import type { KeyPath } from './format-key-path.js';
import type { RawCommand, RawPipelineElement, RawProject, RawTask } from './schema.js';
import { formatNumberAsText } from '../template/python-str.js';
import { toPythonYamlValue } from './python-yaml-values.js';

interface FailurePolicy {
  killDownstreamOnFail: boolean;
  killLoopOnFail: boolean;
}

/**
 * Builds the Project from a document that passed the schema and the rules (so each task has exactly one body).
 * `file` and `projectDir` are made absolute. `writtenAsFloat` tells whether a number was written as a float (`1.0`),
 * which YAML readers in JavaScript cannot tell from `1`, so a var renders as the original printed it.
 */
export function normalizeProject(
  raw: RawProject,
  file: string,
  projectDir: string,
  writtenAsFloat: (at: KeyPath) => boolean = () => false,
  writtenAs: (at: KeyPath) => string | undefined = () => undefined,
): Project {
  // YAML reads `version: 0.3` or `args: 1.0` as numbers; where text is meant, the number becomes Python's str() of it,
  // as the original's `"%s %s" % (command, args)` printed it: `1.0` stays `1.0` (a float written `1.0` is the number 1
  // here, so it is told apart by how it was written), `1.5e+3` is `1500.0`. Numbers whose text differs from what was
  // written are warned about by check-written-form.ts.
  const text = (value: string | number, at: KeyPath): string => (typeof value === 'string' ? value : formatNumberAsText(value, writtenAsFloat(at)));
  const optionalText = (value: string | number | undefined, at: KeyPath): string | undefined =>
    value === undefined ? undefined : text(value, at);

  // Inside tasks a place is carried as its formatted key path (`tasks[3].pipeline[0]`), each made once from its
  // parent's: the model keeps it, and the key path as an array is needed only for a number written where text is
  // meant (rare), not for every key of every task and command (thousands of arrays for a project of 500 tasks).
  const textIn = (value: string | number, at: string, key: string): string =>
    typeof value === 'string' ? value : formatNumberAsText(value, writtenAsFloat(parseKeyPath(`${at}.${key}`)));

  // Built key by key in the model's order, an optional key only when it has a value: no object literal to copy
  // without its undefined keys (withoutUndefined) for each of the project's commands and tasks.
  const normalizeCommand = (c: RawCommand, at: string): Command => {
    const command: Record<string, unknown> = { command: textIn(c.command, at, 'command') };
    if (c.args !== undefined) command.args = textIn(c.args, at, 'args');
    if (c.venv !== undefined) command.venv = textIn(c.venv, at, 'venv');
    if (c.active !== undefined) command.active = c.active;
    if (c.timeout !== undefined) command.timeout = c.timeout;
    command.path = at;
    return command as unknown as Command;
  };

  // Elements switched off (`active: false`) other than commands are left out; the pipeline stays joined around them.
  // Inactive commands stay, marked, so plans and the runner can show them as skipped.
  const normalizeElement = (e: RawPipelineElement, at: string, policy: FailurePolicy): PipelineElement | undefined => {
    if (!('command' in e) && e.active === false) return undefined;
    if ('foreach' in e) {
      return { kind: 'foreach', tasks: normalizeTasks(e.foreach, `${at}.foreach`, policy), parallel: e.parallel, path: at };
    }
    if ('fork' in e) return { kind: 'fork', tasks: normalizeTasks(e.fork, `${at}.fork`, policy), path: at };
    if (!('command' in e)) return undefined;
    return { kind: 'command', command: normalizeCommand(e, at) };
  };

  const normalizeBody = (t: RawTask, at: string, policy: FailurePolicy): TaskBody => {
    if (t.pipeline) {
      const elements: PipelineElement[] = [];
      for (let i = 0; i < t.pipeline.length; i++) {
        const element = normalizeElement(t.pipeline[i]!, `${at}.pipeline[${i}]`, policy);
        if (element !== undefined) elements.push(element);
      }
      return { kind: 'pipeline', elements };
    }
    if (t.commands) return { kind: 'commands', commands: t.commands.map((c, i) => normalizeCommand(c, `${at}.commands[${i}]`)) };
    return { kind: 'tasks', tasks: normalizeTasks(t.tasks ?? [], `${at}.tasks`, policy) };
  };

  // A task's failure policy is its own value, else the enclosing task's resolved one, else the project's.
  const normalizeTasks = (tasks: RawTask[], at: string, enclosing: FailurePolicy): Task[] =>
    tasks.map((t, i) => {
      const taskPath = `${at}[${i}]`;
      const policy: FailurePolicy = {
        killDownstreamOnFail: t.kill_downstream_on_fail ?? enclosing.killDownstreamOnFail,
        killLoopOnFail: t.kill_loop_on_fail ?? enclosing.killLoopOnFail,
      };
      const task: Record<string, unknown> = { name: textIn(t.name, taskPath, 'name') };
      if (t.description !== undefined) task.description = textIn(t.description, taskPath, 'description');
      if (t.active !== undefined) task.active = t.active;
      task.killDownstreamOnFail = policy.killDownstreamOnFail;
      task.killLoopOnFail = policy.killLoopOnFail;
      if (t.timeout !== undefined) task.timeout = t.timeout;
      if (t.retries !== undefined) task.retries = t.retries;
      task.body = normalizeBody(t, taskPath, policy);
      task.path = taskPath;
      return task as unknown as Task;
    });

  const projectPolicy: FailurePolicy = { killDownstreamOnFail: raw.kill_downstream_on_fail, killLoopOnFail: raw.kill_loop_on_fail };

  const deploy = (): Deploy => {
    const d = raw.deploy;
    if (!d) return { cloud_provider: 'local' };
    const at = (key: string): KeyPath => ['deploy', key];
    return withoutUndefined({
      cloud_provider: d.cloud_provider,
      resource_group: optionalText(d.resource_group, at('resource_group')),
      task: optionalText(d.task, at('task')),
      container_image: optionalText(d.container_image, at('container_image')),
      image_version: optionalText(d.image_version, at('image_version')),
      image_domain: optionalText(d.image_domain, at('image_domain')),
      bucket: optionalText(d.bucket, at('bucket')),
      cpu: d.cpu,
      memory: d.memory,
      storage: d.storage,
      push_artifacts_on_fail: d.push_artifacts_on_fail,
      alarm_email: optionalText(d.alarm_email, at('alarm_email')),
      log_retention_days: d.log_retention_days,
      // Each cloud normalizes its own keys (deploy-keys/).
      ...normalizeAwsDeploy(d, text),
      gcp_project: optionalText(d.gcp_project, at('gcp_project')),
      service_account: optionalText(d.service_account, at('service_account')),
      network: optionalText(d.network, at('network')),
      subnetwork: optionalText(d.subnetwork, at('subnetwork')),
      artifact_registry: optionalText(d.artifact_registry, at('artifact_registry')),
      task_timeout: d.task_timeout,
      max_retries: d.max_retries,
      scheduler_retries: d.scheduler_retries,
      notification_channels: d.notification_channels?.map((c, i) => text(c, ['deploy', 'notification_channels', i])),
      subscription_id: optionalText(d.subscription_id, at('subscription_id')),
      resource_group_name: optionalText(d.resource_group_name, at('resource_group_name')),
      location: optionalText(d.location, at('location')),
      storage_account: optionalText(d.storage_account, at('storage_account')),
      key_vault: optionalText(d.key_vault, at('key_vault')),
      environment: optionalText(d.environment, at('environment')),
      registry: optionalText(d.registry, at('registry')),
    });
  };

  const schedules = (raw.schedules ?? []).map((s, i): Schedule => {
    const at: KeyPath = ['schedules', i];
    return withoutUndefined({
      target_id: text(s.target_id, [...at, 'target_id']),
      cron: text(s.cron, [...at, 'cron']),
      name: optionalText(s.name, [...at, 'name']),
      description: optionalText(s.description, [...at, 'description']),
      envs: (s.envs ?? []).map((e, j) => ({ key: text(e.key, [...at, 'envs', j, 'key']), value: text(e.value, [...at, 'envs', j, 'value']) })),
      timezone: optionalText(s.timezone, [...at, 'timezone']),
      enabled: s.enabled,
      overlap: s.overlap,
      catch_up: s.catch_up,
      path: formatKeyPath(at),
    });
  });

  const project: Project = withoutUndefined({
    file: path.resolve(file),
    dir: path.resolve(projectDir),
    version: optionalText(raw.version, ['version']),
    description: optionalText(raw.description, ['description']),
    installs: (raw.installs ?? []).map((inst, i) =>
      withoutUndefined({
        venv: optionalText(inst.venv, ['installs', i, 'venv']),
        command: text(inst.command, ['installs', i, 'command']),
        python: optionalText(inst.python, ['installs', i, 'python']),
        description: optionalText(inst.description, ['installs', i, 'description']),
      }),
    ),
    vars: (raw.vars ?? []).map((v, i) =>
      withoutUndefined({
        key: text(v.key, ['vars', i, 'key']),
        value: toPythonYamlValue(v.value, ['vars', i, 'value'], writtenAsFloat, writtenAs),
        description: optionalText(v.description, ['vars', i, 'description']),
      }),
    ),
    envs: (raw.envs ?? []).map((e, i) =>
      withoutUndefined({
        key: text(e.key, ['envs', i, 'key']),
        value: optionalText(e.value, ['envs', i, 'value']),
        description: optionalText(e.description, ['envs', i, 'description']),
      }),
    ),
    tasks: normalizeTasks(raw.tasks ?? [], 'tasks', projectPolicy),
    ...projectPolicy,
    deploy: deploy(),
    schedules,
    container: withoutUndefined({
      docker_file: optionalText(raw.container?.docker_file, ['container', 'docker_file']),
      files_dir: optionalText(raw.container?.files_dir, ['container', 'files_dir']),
      base_image: optionalText(raw.container?.base_image, ['container', 'base_image']),
    }),
  });
  return project;
}

/**
 * A copy without the keys whose value is undefined, so an absent optional key is absent in the model too. A copy, not
 * `delete`: deleting a key turns an object into a slower dictionary of properties, in every task and command of the
 * project a run then reads.
 */
function withoutUndefined<T extends object>(value: T): T {
  const copy: Record<string, unknown> = {};
  // for…in over an object literal: its own keys, in order, without an array of entries per call.
  for (const key in value) {
    const field = value[key];
    if (field !== undefined) copy[key] = field;
  }
  return copy as T;
}
