// Golden templates of every stack from fixed inputs, checked with cfn-lint.
// Refresh every AWS golden (these and the Terraform module's) after an intended change with:  npx vitest run -u src/providers/aws
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createDeployNames } from '../names.js';
import { createBucketStack } from './bucket-stack.js';
import { createPermissionsBoundaryStack } from './permissions-boundary.js';
import { createResourcesStack } from './resources-stack.js';
import { createRoleStack } from './role-stack.js';
import { createTaskStack } from './task-stack.js';
import { parseTaskDefinitionOverride } from './task-definition-override.js';
import type { Template } from './template.js';

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), 'golden');

const names = createDeployNames({ resourceGroup: 'etl', task: 'wordcount', stage: 'dev', accountId: '123456789012', region: 'us-east-1' });
const prodNames = createDeployNames({
  resourceGroup: 'etl',
  task: 'wordcount',
  stage: 'prod',
  accountId: '123456789012',
  region: 'eu-west-1',
  bucket: 'acme-data-pipelines',
  containerImage: 'acme/wordcount',
});
// An existing cluster, by ARN (deploy.cluster).
const byoNames = createDeployNames({
  resourceGroup: 'etl',
  task: 'wordcount',
  stage: 'prod',
  accountId: '123456789012',
  region: 'eu-west-1',
  cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/data-platform',
});
const tags = { 'cost-center': 'data', owner: 'analytics team' };

const taskPolicy = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::acme-raw-data/*'] }],
};

// deploy.task_definition: a sidecar, ulimits, an EFS volume and one more variable for handoff's container.
const taskDefinition = parseTaskDefinitionOverride(
  {
    containerDefinitions: [
      {
        name: 'wordcount',
        environment: [{ name: 'LOG_FORMAT', value: 'json' }],
        ulimits: [{ name: 'nofile', softLimit: 65536, hardLimit: 65536 }],
        mountPoints: [{ sourceVolume: 'shared', containerPath: '/shared' }],
      },
      { name: 'metrics-agent', image: 'public.ecr.aws/acme/agent:2', mountPoints: [{ sourceVolume: 'shared', containerPath: '/shared', readOnly: true }] },
    ],
    volumes: [{ name: 'shared', efsVolumeConfiguration: { fileSystemId: 'fs-0123456789abcdef0', transitEncryption: 'ENABLED' } }],
    runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
  },
  { source: 'task-definition.json', mainContainer: 'wordcount' },
);

/** Each golden: file name → template from fixed inputs. */
const goldens: Record<string, () => Template> = {
  'boundary.template.json': () => createPermissionsBoundaryStack(),
  'bucket.template.json': () => createBucketStack(names),
  'bucket-kms.template.json': () => createBucketStack(prodNames, { encryption: 'aws:kms' }),
  'resources.template.json': () => createResourcesStack(names, {}),
  'resources-static-ip.template.json': () => createResourcesStack(prodNames, { static_ip: true }),
  'resources-existing-network.template.json': () =>
    createResourcesStack(byoNames, {
      subnets: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
      security_groups: ['sg-0123456789abcdef0'],
      assign_public_ip: false,
      cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/data-platform',
      execution_role_arn: 'arn:aws:iam::123456789012:role/ecs-task-execution',
    }),
  'task.template.json': () => createTaskStack(names, {}, { imageUri: names.ecrImageUri('0.1') }),
  'task-full.template.json': () =>
    createTaskStack(
      prodNames,
      {
        cpu: 1024,
        memory: 4096,
        storage: 50,
        alarm_email: 'data-team@example.com',
        task_policy: 'task-policy.json',
        task_definition: 'task-definition.json',
        log_retention_days: 90,
        platform_version: '1.4.0',
        capacity_provider: 'FARGATE_SPOT',
        tags,
        platform_config: { retry_interval: 120, max_retries: 3, backoff_rate: 1.5, state_machine_timeout: 7200 },
      },
      { imageUri: prodNames.ecrImageUri('0.7'), envs: [{ key: 'TARGET', value: 'warehouse' }], taskPolicy, taskDefinition },
    ),
  // Schedules start the task directly, as the role of your own; the log group was kept from an earlier stack.
  'task-direct.template.json': () =>
    createTaskStack(
      byoNames,
      { platform_config: { state_machine: false, role_arn: 'arn:aws:iam::123456789012:role/scheduler' }, task_role_arn: 'arn:aws:iam::123456789012:role/pipeline' },
      { imageUri: byoNames.ecrImageUri('0.2'), logGroup: 'kept' },
    ),
  'role.template.json': () => createRoleStack('210987654321'),
  'role-external-id.template.json': () => createRoleStack('210987654321', { externalId: 'handoff-4f2a', buckets: ['acme-data-pipelines'] }),
};

/** The runner's ASL from a task template's `Fn::Sub` DefinitionString, placeholders left as `${Name}`. */
function readRunnerDefinition(template: Template): unknown {
  const props = template.Resources.StateMachine!.Properties as { DefinitionString: { 'Fn::Sub': [string, unknown] } };
  return JSON.parse(props.DefinitionString['Fn::Sub'][0]);
}

/**
 * cfn-lint checks Amazon States Language only in a `Definition` object, not inside an `Fn::Sub` string, so each
 * runner definition is also linted as a `Definition` in a one-resource template with the placeholders filled.
 */
function createDefinitionLintTemplate(template: Template): string {
  const asl = JSON.stringify(readRunnerDefinition(template))
    .replaceAll('${AWS::Partition}', 'aws')
    .replaceAll('${ClusterArn}', 'arn:aws:ecs:us-east-1:123456789012:cluster/handoff-lint')
    .replaceAll('${TaskDefinitionArn}', 'arn:aws:ecs:us-east-1:123456789012:task-definition/handoff-lint:1')
    .replaceAll('${Subnets}', 'subnet-0123456789abcdef0')
    .replaceAll('${SecurityGroups}', 'sg-0123456789abcdef0')
    .replaceAll('${AssignPublicIp}', 'ENABLED');
  const wrapper = {
    AWSTemplateFormatVersion: '2010-09-09',
    Resources: {
      StateMachine: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { RoleArn: 'arn:aws:iam::123456789012:role/handoff-lint', Definition: JSON.parse(asl) },
      },
    },
  };
  return JSON.stringify(wrapper, null, 2) + '\n';
}

const taskGoldens = ['task.template.json', 'task-full.template.json'];

function findCfnLint(): boolean {
  return spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;
}

describe('stack goldens', () => {
  for (const [file, build] of Object.entries(goldens)) {
    it(`${file} matches its golden`, async () => {
      await expect(JSON.stringify(build(), null, 2) + '\n').toMatchFileSnapshot(`./golden/${file}`);
    });
  }

  // The runner definitions again, pretty-printed, so a change to the state machine reads as a normal diff.
  for (const file of taskGoldens) {
    const aslFile = file.replace('.template.json', '.runner.asl.json');
    it(`${aslFile} matches its golden`, async () => {
      await expect(JSON.stringify(readRunnerDefinition(goldens[file]!()), null, 2) + '\n').toMatchFileSnapshot(`./golden/${aslFile}`);
    });
  }

  // Missing goldens fail the snapshot tests above (outside -u); this catches leftovers of renamed or removed stacks.
  it('has no stale golden files', () => {
    const expected = new Set([...Object.keys(goldens), ...taskGoldens.map((f) => f.replace('.template.json', '.runner.asl.json'))]);
    expect(readdirSync(goldenDir).filter((f) => !expected.has(f))).toEqual([]);
  });

  // Lints exactly the text the golden tests compare (so the same bytes as the golden files whenever those pass). It
  // writes them to a temporary folder because vitest writes updated file snapshots only when this file finishes, so
  // under `-u` the golden folder still holds the old versions here. Any finding, informational included, fails.
  it.skipIf(!findCfnLint())('passes cfn-lint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'handoff-goldens-'));
    try {
      const files = Object.entries(goldens).map(([file, build]) => {
        const path = join(dir, file);
        writeFileSync(path, JSON.stringify(build(), null, 2) + '\n');
        return path;
      });
      for (const file of taskGoldens) {
        const path = join(dir, file.replace('.template.json', '.runner-definition.template.json'));
        writeFileSync(path, createDefinitionLintTemplate(goldens[file]!()));
        files.push(path);
      }
      const result = spawnSync('cfn-lint', ['--format', 'parseable', '--include-checks', 'I', '--non-zero-exit-code', 'informational', '--', ...files], { encoding: 'utf8' });
      expect(result.error).toBeUndefined();
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
