// The deploy's checks that need nothing from AWS (names, stacks, files, schedule requests), every bad key at once, also before the first call.
import { ProblemCollector } from '../../../errors.js';
import type { Deploy, Project } from '../../../project/types.js';
import { parseSchedule } from '../../../schedule/parse-schedule.js';
import type { DeployTarget } from '../../provider.js';
import { createDeployNamesBeforeAccount, type DeployNames } from '../names.js';
import { resolveCapacity } from '../stacks/capacity.js';
import { createScheduleRequest, type ScheduleTarget } from '../stacks/schedule-request.js';
import { resolveRunnerSettings } from '../stacks/state-machine.js';
import { usesStateMachine } from '../stacks/task-stack.js';
import { createResourcesDesired, createTaskDesired } from './desired-stacks.js';
import { locateDeployErrors } from '../../deploy/locate-deploy-error.js';
import { readTaskFiles } from './read-task-files.js';

/** What a command deploys: everything (`cloud plan|deploy|export`), or one stack (`cloud resources|task create|update`). */
export type CheckScope = 'deploy' | 'resources' | 'task';

/** A stand-in target of the right kind, to check schedule requests before anything is deployed (and to export them). */
export function createPlaceholderScheduleTarget(names: DeployNames, deploy: Deploy): ScheduleTarget {
  const roleArn = deploy.platform_config?.role_arn ?? `arn:${names.partition}:iam::${names.accountId}:role${names.rolePath}${names.schedulerRole}`;
  if (usesStateMachine(deploy)) return { kind: 'state-machine', stateMachineArn: `arn:${names.partition}:states:${names.region}:${names.accountId}:stateMachine:${names.stateMachine}`, roleArn };
  return {
    kind: 'ecs',
    roleArn,
    clusterArn: names.clusterArn,
    taskDefinitionArn: `arn:${names.partition}:ecs:${names.region}:${names.accountId}:task-definition/${names.taskDefinitionFamily}:1`,
    subnets: ['subnet-00000000'],
    securityGroups: ['sg-00000000'],
    assignPublicIp: 'ENABLED',
    capacity: resolveCapacity(deploy),
    platformVersion: resolveRunnerSettings(deploy).platformVersion,
  };
}

/**
 * Everything AWS would take without complaint but that cannot work, found by building what the command deploys: the
 * resources stack (network, cluster, execution role), the files `deploy` names, the task stack (Fargate size, log
 * retention, runner settings, tags, alarm e-mail, task policy) and each schedule's request. Problems go to `problems`.
 */
async function collectDeployProblems(names: DeployNames, project: Project, scope: CheckScope, problems: ProblemCollector): Promise<void> {
  const deploy = project.deploy;
  problems.check(() => createResourcesDesired(names, deploy));
  if (scope === 'resources') return;
  const files = await problems.checkAsync(() => readTaskFiles(project.dir, deploy, names));
  // A file that cannot be read is reported above; the rest of the task is still checked, without the files.
  const { task_policy: _policy, task_definition: _definition, ...withoutFiles } = deploy;
  const taskDeploy: Deploy = files ? deploy : withoutFiles;
  problems.check(() => createTaskDesired(names, taskDeploy, { imageUri: names.ecrImageUri('0'), taskPolicy: files?.taskPolicy, taskDefinition: files?.taskDefinition }));
  if (scope === 'task') return;
  const target = problems.check(() => createPlaceholderScheduleTarget(names, deploy));
  if (!target) return;
  for (const s of project.schedules) problems.check(() => createScheduleRequest(names, s, { ...target, expression: parseSchedule(s.cron, s.timezone).awsExpression }));
}

/** The checks of collectDeployProblems with the task's names; one UserError with every problem (not yet located). */
export async function checkDeployValues(names: DeployNames, project: Project, scope: CheckScope = 'deploy'): Promise<void> {
  const problems = new ProblemCollector();
  await collectDeployProblems(names, project, scope, problems);
  problems.throwIfAny();
}

/**
 * The same checks before the first AWS call of a command (STS's too), so a bad key is not hidden behind "cannot reach
 * AWS" or a credentials error: the account is not known yet, so the names are built with a stand-in account of the
 * same length; where the names themselves break AWS's rules, the other keys are still checked, with stand-in names.
 * Every problem points at its line of project.yml.
 */
export async function checkDeployBeforeCalls(input: { project: Project; target: DeployTarget; region: string; scope: CheckScope }): Promise<void> {
  const { project, target, region } = input;
  await locateDeployErrors(project.file, async () => {
    const problems = new ProblemCollector();
    const names =
      problems.check(() =>
        createDeployNamesBeforeAccount({
          resourceGroup: target.resourceGroup,
          task: target.task,
          stage: target.stage,
          region,
          ...(target.bucket !== undefined ? { bucket: target.bucket } : {}),
          ...(target.containerImage !== undefined ? { containerImage: target.containerImage } : {}),
          ...(project.deploy.cluster !== undefined ? { cluster: project.deploy.cluster } : {}),
        }),
      ) ?? new ProblemCollector().check(() => createDeployNamesBeforeAccount({ resourceGroup: 'rg', task: 'task', stage: target.stage, region }));
    if (names) await collectDeployProblems(names, project, input.scope, problems);
    problems.throwIfAny();
  });
}
