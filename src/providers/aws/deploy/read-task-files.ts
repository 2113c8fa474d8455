// The files `deploy` names (task_policy, task_definition): read, parsed and checked before any AWS call, with warnings to give.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ProblemCollector, UserError } from '../../../errors.js';
import type { Deploy } from '../../../project/types.js';
import type { DeployNames } from '../names.js';
import { parseTaskDefinitionOverride, type TaskDefinitionOverride } from '../stacks/task-definition-override.js';

export interface TaskFiles {
  /** The policy document of `deploy.task_policy`, parsed (checked by the task stack). */
  taskPolicy?: unknown;
  /** `deploy.task_definition`, checked and in CloudFormation form. */
  taskDefinition?: TaskDefinitionOverride;
  /** What the user should know but that is allowed: broad task policies, a role of their own. */
  warnings: string[];
}

/** Reads both files relative to the project folder; a missing or malformed file is a UserError naming the key (both at once). */
export async function readTaskFiles(projectDir: string, deploy: Deploy, names: DeployNames): Promise<TaskFiles> {
  const warnings: string[] = [];
  const problems = new ProblemCollector();
  let taskPolicy: unknown;
  if (deploy.task_policy) {
    taskPolicy = await problems.checkAsync(() => readJsonFile(projectDir, deploy.task_policy!, 'deploy.task_policy', 'a JSON IAM policy document'));
    if (taskPolicy !== undefined) warnings.push(...findBroadStatements(taskPolicy, `deploy.task_policy (${deploy.task_policy})`));
  }
  let taskDefinition: TaskDefinitionOverride | undefined;
  if (deploy.task_definition) {
    const file = deploy.task_definition;
    taskDefinition = await problems.checkAsync(async () =>
      parseTaskDefinitionOverride(await readJsonFile(projectDir, file, 'deploy.task_definition', 'a JSON task definition (ECS RegisterTaskDefinition form)'), { source: file, mainContainer: names.containerName }),
    );
  }
  problems.throwIfAny();
  if (taskDefinition) {
    const main = taskDefinition.containers.find((c) => c.Name === names.containerName);
    if (main?.Image !== undefined) warnings.push(`deploy.task_definition (${deploy.task_definition}) replaces handoff's image with ${String(main.Image)}: that image must run handoff (\`handoff run\`) for the task to work`);
    if (taskDefinition.task.TaskRoleArn !== undefined) warnings.push(`deploy.task_definition (${deploy.task_definition}) sets taskRoleArn: the container runs as a role handoff does not scope, so least privilege is yours`);
  }
  if (deploy.task_role_arn) {
    warnings.push(`deploy.task_role_arn: the container runs as ${deploy.task_role_arn}, not a role handoff limits to the task's own bucket prefix and secrets, so least privilege is yours`);
  }
  return { ...(taskPolicy !== undefined ? { taskPolicy } : {}), ...(taskDefinition ? { taskDefinition } : {}), warnings };
}

/**
 * Statements of a policy that allow every action or every resource, named by index and Sid: allowed (the permissions
 * boundary still caps them) but rarely meant.
 */
export function findBroadStatements(policy: unknown, source: string): string[] {
  const statements = (policy as { Statement?: unknown } | undefined)?.Statement;
  const list = Array.isArray(statements) ? statements : statements === undefined ? [] : [statements];
  const warnings: string[] = [];
  list.forEach((s, i) => {
    if (typeof s !== 'object' || s === null) return;
    const statement = s as Record<string, unknown>;
    if (statement.Effect !== 'Allow') return;
    const name = `Statement[${i}]${typeof statement.Sid === 'string' ? ` (Sid "${statement.Sid}")` : ''}`;
    const isAll = (value: unknown): boolean => (Array.isArray(value) ? value.includes('*') : value === '*');
    if (isAll(statement.Action) || statement.NotAction !== undefined) {
      warnings.push(`${source} ${name} allows ${statement.NotAction !== undefined ? 'every action but its NotAction' : 'Action "*"'}: the task may do anything the handoff permissions boundary lets any role do; name the actions it needs`);
    }
    if (isAll(statement.Resource) || statement.NotResource !== undefined) {
      warnings.push(`${source} ${name} allows ${statement.NotResource !== undefined ? 'every resource but its NotResource' : 'Resource "*"'}: the task may use every resource of those actions in the account; name the buckets, tables or ARNs it needs`);
    }
  });
  return warnings;
}

async function readJsonFile(projectDir: string, file: string, key: string, what: string): Promise<unknown> {
  const full = path.resolve(projectDir, file);
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch (error) {
    throw new UserError(`${key} names ${file}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      fix: `point ${key} at ${what}, relative to the project folder`,
      diagnostics: [{ severity: 'error', message: `${full} cannot be read`, path: key }],
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UserError(`${key} ${file} is not valid JSON: ${(error as Error).message}`, {
      fix: `write ${what}`,
      diagnostics: [{ severity: 'error', message: 'not valid JSON', path: key }],
    });
  }
}
