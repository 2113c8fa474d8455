// cloud export from fixed inputs: HCL escaping, the Terraform module (goldens; terraform validate and fmt -check with the
// offline provider when installed), CloudFormation with schedules (cfn-lint).
// Refresh every AWS golden (these and the stacks') after an intended change with:  npx vitest run -u src/providers/aws
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProject } from '../../../project/parse-project.js';
import type { Project, Schedule } from '../../../project/types.js';
import { HclTemplate, makeBlock, makeCall, makeExpr, renderBlock, renderValue } from '../../deploy/hcl.js';
import { readTaskFiles } from '../deploy/read-task-files.js';
import { createDeployNames } from '../names.js';
import { createScheduleRequest } from '../stacks/schedule-request.js';
import { createTaskStack } from '../stacks/task-stack.js';
import { addSchedulesToTaskTemplate, createModuleInput, toScheduleLogicalId } from './export-project.js';
import { createTerraformModule } from './terraform-export.js';

const names = createDeployNames({ resourceGroup: 'etl', task: 'wordcount', stage: 'dev', accountId: '123456789012', region: 'us-east-1' });
const target = { kind: 'state-machine' as const, stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:handoff-dev-etl-wordcount', roleArn: 'arn:aws:iam::123456789012:role/handoff/dev-etl/handoff-dev-etl-use1-sched' };
const schedules: Schedule[] = [
  { target_id: '1', cron: '0 6 * * ? *', timezone: 'Europe/Paris', description: 'daily', envs: [{ key: '__VARS', value: 'start=$(date -I) x=${HOME}' }], enabled: true, overlap: 'skip', catch_up: false, path: 'schedules[0]' },
  { target_id: '2', cron: 'rate(1 hour)', envs: [], enabled: false, overlap: 'skip', catch_up: false, path: 'schedules[1]' },
];
const requests = [
  createScheduleRequest(names, schedules[0]!, { ...target, expression: 'cron(0 6 * * ? *)' }),
  createScheduleRequest(names, schedules[1]!, { ...target, expression: 'rate(1 hour)' }),
];
const taskPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::acme-raw-data/*'] }] };
const fullTask = createTaskStack(
  names,
  { cpu: 1024, memory: 4096, storage: 50, alarm_email: 'data-team@example.com', task_policy: 'task-policy.json', log_retention_days: 90 },
  { imageUri: names.ecrImageUri('0.7'), taskPolicy },
);

const SCHEDULES_YML = `schedules:
  - target_id: 1
    cron: "0 6 * * ? *"
    timezone: Europe/Paris
    description: daily
    envs:
      - key: __VARS
        value: start=$(date -I) x=\${HOME}
  - target_id: 2
    cron: rate(1 hour)
    enabled: false
`;

/** A project from project.yml text (and files), as the CLI would load it. */
function loadFixture(deploy: string, files: Record<string, string> = {}): Project {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-export-'));
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
  const yml = `tasks:\n  - name: count\n    commands:\n      - command: echo\ndeploy:\n  cloud_provider: aws\n  resource_group: etl\n  task: wordcount\n${deploy}${SCHEDULES_YML}`;
  return parseProject(yml, path.join(dir, 'project.yml'), dir).project;
}

/** The module for a project, as `cloud export --format terraform` writes it (image given, nothing asked of AWS). */
async function buildModule(project: Project): Promise<Record<string, string>> {
  const projectNames = createDeployNames({
    resourceGroup: 'etl',
    task: 'wordcount',
    stage: 'dev',
    accountId: '123456789012',
    region: project.deploy.region ?? 'us-east-1',
    ...(project.deploy.cluster ? { cluster: project.deploy.cluster } : {}),
  });
  const files = await readTaskFiles(project.dir, project.deploy, projectNames);
  return createTerraformModule(createModuleInput(projectNames, project, { files, image: projectNames.ecrImageUri('0.7') }));
}

const modules: Record<string, () => Promise<Record<string, string>>> = {
  // The VPC, cluster and roles the module makes, a runner with retries, alarms, a task policy, deploy.tags.
  full: () =>
    buildModule(
      loadFixture('  cpu: 1024\n  memory: 4096\n  storage: 50\n  alarm_email: data-team@example.com\n  task_policy: task-policy.json\n  log_retention_days: 90\n  tags: {team: data}\n', {
        'task-policy.json': JSON.stringify(taskPolicy),
      }),
    ),
  // Everything brought: network, cluster and execution role as defaults of their variables; static IP not possible.
  'existing-network': () =>
    buildModule(
      loadFixture(
        '  region: eu-west-1\n  cluster: arn:aws:ecs:eu-west-1:123456789012:cluster/data-platform\n  subnets: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]\n  security_groups: [sg-0123456789abcdef0]\n  assign_public_ip: false\n  execution_role_arn: arn:aws:iam::123456789012:role/ecs-execution\n',
      ),
    ),
  // A NAT gateway with a static IP; schedules start the task directly on Spot; a task definition file with a sidecar and an EFS volume.
  'static-ip-direct': () =>
    buildModule(
      loadFixture('  static_ip: true\n  capacity_provider: FARGATE_SPOT\n  task_definition: td.json\n  platform_config:\n    state_machine: false\n', {
        'td.json': JSON.stringify({
          containerDefinitions: [
            { name: 'wordcount', ulimits: [{ name: 'nofile', softLimit: 4096, hardLimit: 8192 }], dockerLabels: { 'com.acme.Team': 'data' } },
            { name: 'proxy', image: 'public.ecr.aws/acme/proxy:1' },
          ],
          volumes: [{ name: 'shared', efsVolumeConfiguration: { fileSystemId: 'fs-0123456789abcdef0', transitEncryption: 'ENABLED' } }],
        }),
      }),
    ),
};

function hasTerraform(): boolean {
  return spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0 && fs.existsSync('/opt/tf-plugins');
}

describe('HCL writer', () => {
  it('escapes interpolation and directive markers in literals, quotes keys that are not identifiers, and aligns like terraform fmt', () => {
    expect(renderValue('a ${b} %{c} "d" \\')).toBe('"a $${b} %%{c} \\"d\\" \\\\"');
    expect(renderValue(new HclTemplate(['arn:', makeExpr('data.aws_partition.current.partition'), ':x/${y}']))).toBe('"arn:${data.aws_partition.current.partition}:x/$${y}"');
    expect(renderValue({ 'aws:SourceAccount': makeExpr('local.a'), Version: '1', 'Environment.$': '$.Environment' })).toBe(
      '{\n  "aws:SourceAccount" = local.a\n  Version             = "1"\n  "Environment.$"     = "$.Environment"\n}',
    );
    expect(renderBlock(makeBlock('resource', ['aws_x', 'y'], { a: 1, long_name: makeCall('jsonencode', { k: [1, 2] }), b: true, nested: makeBlock('n', [], {}) }))).toBe(
      'resource "aws_x" "y" {\n  a = 1\n  long_name = jsonencode({\n    k = [1, 2]\n  })\n  b = true\n  n {}\n}',
    );
  });
});

describe('terraform export: a reusable module', () => {
  for (const [name, build] of Object.entries(modules)) {
    it(`${name} matches its golden files`, async () => {
      const files = await build();
      expect(Object.keys(files)).toEqual(['versions.tf', 'variables.tf', 'main.tf', 'outputs.tf']);
      for (const [file, text] of Object.entries(files)) await expect(text).toMatchFileSnapshot(`./golden/${name}/${file}`);
    });
  }

  it('has variables for region, image, subnets, security groups, cluster, execution role and schedules, defaulting to the project', async () => {
    const full = await modules.full!();
    for (const variable of ['region', 'image', 'bucket', 'subnets', 'security_groups', 'assign_public_ip', 'cluster_arn', 'execution_role_arn', 'permissions_boundary_arn', 'schedules', 'tags']) {
      expect(full['variables.tf']).toContain(`variable "${variable}" {`);
    }
    expect(full['variables.tf']).toContain('default     = "123456789012.dkr.ecr.us-east-1.amazonaws.com/wordcount:0.7"');
    // A shell expression in a schedule's envs stays literal ($${…} is Terraform's escape for ${…}).
    expect(full['variables.tf']).toContain('__VARS = "start=$(date -I) x=$${HOME}"');
    expect(full['versions.tf']).toContain('region = var.region');
    const existing = await modules['existing-network']!();
    expect(existing['variables.tf']).toContain('default     = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]');
    expect(existing['variables.tf']).toContain('default     = "arn:aws:ecs:eu-west-1:123456789012:cluster/data-platform"');
    expect(existing['variables.tf']).toContain('default     = "arn:aws:iam::123456789012:role/ecs-execution"');
  });

  it('leaves HO_STAGE (the deployed stage, which the module sets) out of the schedules\' default envs, as var.schedules\' validation requires', async () => {
    const project = loadFixture('');
    project.schedules[0]!.envs.push({ key: 'HO_STAGE', value: 'dev' });
    const files = await buildModule(project);
    const defaults = files['variables.tf']!.slice(files['variables.tf']!.indexOf('variable "schedules"'));
    expect(defaults).toContain('!contains(keys(s.envs), "HO_STAGE")');
    expect(defaults.slice(defaults.indexOf('default'), defaults.indexOf('validation'))).not.toContain('HO_STAGE');
    expect(defaults).toContain('__VARS = "start=$(date -I) x=$${HOME}"');
  });

  it('makes the network, cluster, execution role and boundary only when their variable is null, and leaves no CloudFormation behind', async () => {
    const { 'main.tf': main, 'outputs.tf': outputs } = await modules.full!();
    expect(main).not.toMatch(/Fn::|"Ref"|\$\{AWS::|handoff-module-/);
    expect(main).toMatch(/resource "aws_vpc" "vpc" \{\n {2}count += local\.create_network \? 1 : 0/);
    expect(main).toMatch(/resource "aws_ecs_cluster" "cluster" \{\n {2}count += var\.cluster_arn == null \? 1 : 0/);
    expect(main).toMatch(/resource "aws_iam_role" "execution_role" \{\n {2}count += var\.execution_role_arn == null \? 1 : 0/);
    expect(main).toMatch(/resource "aws_iam_policy" "boundary" \{\n {2}count += var\.permissions_boundary_arn == null \? 1 : 0/);
    expect(main).toContain('execution_role_arn       = local.execution_role_arn');
    expect(main).toContain('permissions_boundary = local.permissions_boundary_arn');
    expect(main).toMatch(/name += "handoff-dev-etl-\$\{local\.region_code\}-wordcount-task"/);
    expect(main).toContain('"arn:${data.aws_partition.current.partition}:s3:::${var.bucket}/wordcount/artifacts/*"');
    expect(main).toMatch(/for_each += var\.schedules/);
    expect(outputs).toContain('output "task_definition_arn" {');
    expect(outputs).toContain('output "cluster_arn" {');
  });

  it.skipIf(!hasTerraform())('passes terraform validate and terraform fmt -check, with the provider from the offline plugin folder', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-tf-'));
    try {
      for (const [name, build] of Object.entries(modules)) {
        const dir = path.join(root, name);
        fs.mkdirSync(dir);
        for (const [file, text] of Object.entries(await build())) fs.writeFileSync(path.join(dir, file), text);
        const env = { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null' };
        // `-plugin-dir` installs providers from that folder only: a plain `terraform init` would need the registry.
        for (const args of [['init', '-backend=false', '-input=false', '-no-color', '-plugin-dir=/opt/tf-plugins'], ['validate', '-no-color'], ['fmt', '-check', '-diff', '-no-color']]) {
          const result = spawnSync('terraform', args, { cwd: dir, env, encoding: 'utf8' });
          expect(result.status, `${name}: terraform ${args[0]}\n${result.stdout}${result.stderr}`).toBe(0);
        }
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('cloudformation export', () => {
  const withSchedules = addSchedulesToTaskTemplate(names, fullTask, requests);

  it('adds the schedule group and one schedule per target to the task stack, targeting its runner', () => {
    expect(withSchedules.Resources.ScheduleGroup).toEqual({ Type: 'AWS::Scheduler::ScheduleGroup', Properties: { Name: 'handoff-dev-etl-wordcount' } });
    expect(withSchedules.Resources.ScheduleTarget1?.Properties).toMatchObject({
      Name: 'target-1',
      GroupName: { Ref: 'ScheduleGroup' },
      ScheduleExpression: 'cron(0 6 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      State: 'ENABLED',
      Target: { Arn: { Ref: 'StateMachine' }, RoleArn: { 'Fn::ImportValue': 'handoff-dev-etl-resources-SchedulerRoleArn' } },
    });
    expect(withSchedules.Resources.ScheduleTarget2?.Properties).toMatchObject({ State: 'DISABLED', ScheduleExpression: 'rate(1 hour)' });
    // The stack's own resources are untouched.
    expect(Object.keys(withSchedules.Resources).filter((k) => !k.startsWith('Schedule'))).toEqual(Object.keys(fullTask.Resources));
  });

  it('gives each schedule its own logical id: target_ids that differ only in case or punctuation stay two schedules, as deploy makes them', () => {
    const ids = ['nightly-load', 'nightly_load', 'daily', 'Daily', 'a.b', 'a-b', '1-2', '12'];
    const many = ids.map((id, i) => createScheduleRequest(names, { ...schedules[1]!, target_id: id, path: `schedules[${i}]` }, { ...target, expression: 'rate(1 hour)' }));
    const template = addSchedulesToTaskTemplate(names, fullTask, many);
    const scheduled = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Scheduler::Schedule');
    expect(scheduled.map(([, r]) => (r.Properties as { Name: string }).Name)).toEqual(ids.map((id) => `target-${id}`));
    // Plain ids keep their readable logical id; the others add 8 hex digits of their exact name, whatever else is declared.
    expect(scheduled.map(([id]) => id)).toEqual(expect.arrayContaining(['ScheduleTargetNightlyLoad', 'ScheduleTargetDaily', 'ScheduleTargetAB', 'ScheduleTarget12']));
    expect(scheduled.map(([id]) => id).filter((id) => /^ScheduleTarget(NightlyLoad|Daily|AB|12)[0-9a-f]{8}$/.test(id))).toHaveLength(4);
    expect(toScheduleLogicalId('target-nightly_load')).toBe(scheduled[1]![0]);
    expect(toScheduleLogicalId('target-1')).toBe('ScheduleTarget1');
  });

  it.skipIf(spawnSync('cfn-lint', ['--version']).status !== 0)('passes cfn-lint, informational checks included', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-cfn-export-'));
    try {
      const file = path.join(dir, 'task.template.json');
      fs.writeFileSync(file, JSON.stringify(withSchedules, null, 2));
      const result = spawnSync('cfn-lint', ['--format', 'parseable', '--include-checks', 'I', '--non-zero-exit-code', 'informational', '--', file], { encoding: 'utf8' });
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
