// cloud export from fixed inputs: HCL escaping, Terraform goldens (terraform validate and fmt when installed), CloudFormation with schedules (cfn-lint).
// Refresh the goldens after an intended change with:  npx vitest run -u src/providers/aws/export
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../../project/types.js';
import { createDeployNames } from '../names.js';
import { createBucketStack } from '../stacks/bucket-stack.js';
import { createResourcesStack } from '../stacks/resources-stack.js';
import { createScheduleRequest } from '../stacks/schedule-request.js';
import { createTaskStack } from '../stacks/task-stack.js';
import { addSchedulesToTaskTemplate } from './export-project.js';
import { HclTemplate, makeBlock, makeCall, makeExpr, renderBlock, renderValue } from './hcl.js';
import { createTerraformConfig } from './terraform-export.js';

const names = createDeployNames({ resourceGroup: 'etl', task: 'wordcount', stage: 'dev', accountId: '123456789012', region: 'us-east-1' });
const target = { kind: 'state-machine' as const, stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:handoff-dev-etl-wordcount', roleArn: 'arn:aws:iam::123456789012:role/handoff/dev-etl/handoff-dev-etl-scheduler' };
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

const terraformGoldens: Record<string, () => string> = {
  'full.main.tf': () => createTerraformConfig({ names, templates: [createBucketStack(names), createResourcesStack(names, {}), fullTask], schedules: requests }),
  'existing-network.main.tf': () =>
    createTerraformConfig({
      names,
      templates: [createResourcesStack(names, { subnets: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'], security_groups: ['sg-0123456789abcdef0'] }), createTaskStack(names, {}, { imageUri: names.ecrImageUri('0.1') })],
      schedules: [],
    }),
};

function hasTerraform(): boolean {
  return spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0 && fs.existsSync('/opt/tf-plugins');
}

/** A CLI config that installs providers only from the local mirror: `terraform init` never reaches the network. */
export function writeOfflineTerraformConfig(dir: string): string {
  const file = path.join(dir, 'terraform.rc');
  fs.writeFileSync(
    file,
    'provider_installation {\n  filesystem_mirror {\n    path    = "/opt/tf-plugins"\n    include = ["registry.terraform.io/*/*"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/*/*"]\n  }\n}\n',
  );
  return file;
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

describe('terraform export', () => {
  for (const [file, build] of Object.entries(terraformGoldens)) {
    it(`${file} matches its golden`, async () => {
      await expect(build()).toMatchFileSnapshot(`./golden/${file}`);
    });
  }

  it('translates every reference: no CloudFormation intrinsic is left, imports become direct references', () => {
    const text = terraformGoldens['full.main.tf']!();
    expect(text).not.toMatch(/Fn::|"Ref"|\$\{AWS::/);
    expect(text).toContain('Subnets        = [aws_subnet.public_subnet_a.id, aws_subnet.public_subnet_b.id]');
    expect(text).toContain('execution_role_arn       = aws_iam_role.execution_role.arn');
    // A shell expression in a schedule's envs stays literal ($${…} is Terraform's escape for ${…}).
    expect(text).toContain('Value = "start=$(date -I) x=$${HOME}"');
    const existing = terraformGoldens['existing-network.main.tf']!();
    expect(existing).toContain('Subnets        = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]');
    expect(existing).not.toContain('aws_vpc');
  });

  it.skipIf(!hasTerraform())('passes terraform validate and terraform fmt, installing the provider from the local mirror only', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-tf-'));
    try {
      const rc = writeOfflineTerraformConfig(root);
      for (const [file, build] of Object.entries(terraformGoldens)) {
        const dir = path.join(root, file);
        fs.mkdirSync(dir);
        fs.writeFileSync(path.join(dir, 'main.tf'), build());
        const env = { ...process.env, TF_CLI_CONFIG_FILE: rc, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
        for (const args of [['init', '-backend=false', '-input=false', '-no-color'], ['validate', '-no-color'], ['fmt', '-check', '-diff', '-no-color']]) {
          const result = spawnSync('terraform', args, { cwd: dir, env, encoding: 'utf8' });
          expect(result.status, `${file}: terraform ${args[0]}\n${result.stdout}${result.stderr}`).toBe(0);
        }
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
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

  it.skipIf(spawnSync('cfn-lint', ['--version']).status !== 0)('passes cfn-lint', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-cfn-export-'));
    try {
      const file = path.join(dir, 'task.template.json');
      fs.writeFileSync(file, JSON.stringify(withSchedules, null, 2));
      const result = spawnSync('cfn-lint', ['--format', 'parseable', '--non-zero-exit-code', 'informational', '--', file], { encoding: 'utf8' });
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
