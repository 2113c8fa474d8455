// The checks of the cloud commands before they act, against moto: misspelt -v keys, delete_logs, envs without a secret, orphaned schedules.
import fs from 'node:fs';
import path from 'node:path';
import { DescribeStacksCommand, CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli, type CliResult } from '../helpers/cli.js';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.js';

const RG = 'chk';
const TASK = 't2';
const GROUP = `handoff-dev-${RG}-${TASK}`;
const BOTH = '- key: BIG\n  value: big-SECRET-1\n- key: OTHER\n  value: other-SECRET-2\n';

let moto: MotoServer;
let env: Record<string, string>;
let dir = '';

function projectYml(memory = 1024, schedules = ['nightly_load', 'daily']): string {
  const declared = { nightly_load: '  - target_id: nightly_load\n    cron: "0 2 * * ? *"\n    enabled: false\n', daily: '  - target_id: daily\n    cron: "@daily"\n' };
  return `version: 0.3
envs:
  - key: BIG
  - key: OTHER
tasks:
  - name: t
    commands:
      - command: echo
        args: "hi $BIG"
deploy:
  cloud_provider: aws
  resource_group: ${RG}
  task: ${TASK}
  image_version: "0.3"
  memory: ${memory}
  platform_config:
    state_machine: false
schedules:
${schedules.map((s) => declared[s as keyof typeof declared]).join('')}`;
}

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { env: { ...env, AWS_PROFILE: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 120_000 });
}

const clientConfig = () => ({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

async function scheduleNames(): Promise<string[]> {
  const scheduler = new SchedulerClient(clientConfig());
  return ((await scheduler.send(new ListSchedulesCommand({ GroupName: GROUP }))).Schedules ?? []).map((s) => s.Name!).sort();
}

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  moto = await startMotoServer();
  env = { ...moto.env, HANDOFF_HOME: makeTempDir('handoff-home-') };
  dir = makeProject(projectYml(), { '.secrets/dev_secrets.yml': BOTH }).projectDir;
  const deployed = await cli(['cloud', 'deploy', '-p', dir, '-y']);
  expect(deployed.code, deployed.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await moto?.stop();
});

describe('-v keys the cloud commands do not read', () => {
  it('schedule delete with a misspelt target_id is refused (exit 2, did you mean), deleting nothing', async () => {
    expect(await scheduleNames()).toEqual(['target-daily', 'target-nightly_load']);
    const typo = await cli(['cloud', 'schedule', 'delete', '-p', dir, '-v', 'target=daily']);
    expect(typo.code).toBe(2);
    expect(typo.stdout).toBe('');
    expect(typo.stderr).toContain('-v target is not read by cloud schedule delete, which takes -v target_id=; without them it deletes every schedule of the task, so nothing was deleted');
    expect(typo.stderr).toContain('did you mean -v target_id=?');
    expect(await scheduleNames()).toEqual(['target-daily', 'target-nightly_load']);
  });

  it('schedule delete of every schedule asks first: without -y and without an answer on stdin it refuses', async () => {
    const unasked = await cli(['cloud', 'schedule', 'delete', '-p', dir]);
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toContain(`Delete every schedule of task ${TASK} (resource group ${RG}, stage dev)`);
    expect(unasked.stderr).toContain('fix: add -y to proceed without asking');
    expect(await scheduleNames()).toEqual(['target-daily', 'target-nightly_load']);
    const no = await cli(['cloud', 'schedule', 'delete', '-p', dir, '-n']);
    expect(no.code, no.stderr).toBe(0);
    expect(await scheduleNames()).toEqual(['target-daily', 'target-nightly_load']);
  });

  it('schedule create and the task, resources and role commands warn of a -v key they do not read; project vars are not warned of', async () => {
    const created = await cli(['cloud', 'schedule', 'create', '-p', dir, '-v', 'target=daily']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain('-v target is not read by cloud schedule create, which takes -v target_id=; it was ignored (did you mean -v target_id=?)');
    const status = await cli(['cloud', 'task', 'status', '-p', dir, '-v', 'delet_logs=true']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stderr).toContain('-v delet_logs is not read by cloud task status, which takes no -v; it was ignored');
    const resources = await cli(['cloud', 'resources', 'status', '-p', dir, '-v', 'verison=1.0']);
    expect(resources.stderr).toContain('-v verison is not read by cloud resources status');
    const plan = await cli(['cloud', 'plan', '-p', dir, '-v', 'secret_dir=x']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toContain('-v secret_dir is not read by cloud plan, which takes -v version=, -v secrets_dir=, -v allow_advanced_tier=; it was ignored (did you mean -v secrets_dir=?)');
    // A key project.yml declares in vars: (which -v sets for runs) is no typo.
    fs.writeFileSync(path.join(dir, 'project.yml'), `${projectYml()}vars:\n  - key: start_date\n    value: "2024-01-01"\n`);
    const withVar = await cli(['cloud', 'task', 'status', '-p', dir, '-v', 'start_date=2024-02-01']);
    expect(withVar.code, withVar.stderr).toBe(0);
    expect(withVar.stderr).not.toContain('start_date is not read');
    fs.writeFileSync(path.join(dir, 'project.yml'), projectYml());
  });
});

describe('cloud task delete -v delete_logs=', () => {
  it('a value that is not true or false is refused (exit 2) before anything is deleted', async () => {
    const yes = await cli(['cloud', 'task', 'delete', '-p', dir, '-v', 'delete_logs=yes']);
    expect(yes.code).toBe(2);
    expect(yes.stderr).toContain('-v delete_logs=yes is not true or false');
    expect(yes.stderr).toContain('fix: write -v delete_logs=true or -v delete_logs=false (t and f too)');
    const cf = new CloudFormationClient(clientConfig());
    const stack = (await cf.send(new DescribeStacksCommand({ StackName: GROUP }))).Stacks?.[0];
    expect(stack?.StackStatus).toMatch(/COMPLETE$/);
    expect(await scheduleNames()).toEqual(['target-daily', 'target-nightly_load']);
  });
});

describe('cloud task update with state_machine: false and a schedule removed from project.yml', () => {
  it('warns naming the orphaned schedule, which still starts the replaced revision, and the command that removes it', async () => {
    fs.writeFileSync(path.join(dir, 'project.yml'), projectYml(2048, ['nightly_load']));
    const updated = await cli(['cloud', 'task', 'update', '-p', dir]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stderr).toContain(`WARNING - schedule daily is deployed but not in ${path.join(dir, 'project.yml')}: it still starts the task definition revision (or state machine) this update replaced`);
    expect(updated.stderr).toContain(`\`handoff cloud schedule delete -p ${dir} -v target_id=daily\` removes it`);
    const removed = await cli(['cloud', 'schedule', 'delete', '-p', dir, '-v', 'target_id=daily']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(await scheduleNames()).toEqual(['target-nightly_load']);
    // The declared one was rewritten to the new revision.
    const scheduler = new SchedulerClient(clientConfig());
    const nightly = await scheduler.send(new GetScheduleCommand({ GroupName: GROUP, Name: 'target-nightly_load' }));
    expect(nightly.Target?.EcsParameters?.TaskDefinitionArn).toMatch(/:2$/);
    fs.writeFileSync(path.join(dir, 'project.yml'), projectYml(2048, ['nightly_load']));
  });
});

describe('envs without a value and without a secret', () => {
  const storedKeys = async (): Promise<string[]> => {
    const ssm = new SSMClient(clientConfig());
    const found = await ssm.send(new GetParametersByPathCommand({ Path: `/handoff/dev-${RG}/${TASK}`, Recursive: true }));
    return (found.Parameters ?? []).map((p) => p.Name!.slice(p.Name!.lastIndexOf('/') + 1)).filter((k) => k !== 'config').sort();
  };

  it('cloud plan and cloud deploy are refused (exit 2) naming the key at its line, and nothing is deployed', async () => {
    expect(await storedKeys()).toEqual(['BIG', 'OTHER']);
    fs.writeFileSync(path.join(dir, '.secrets', 'dev_secrets.yml'), '- key: OTHER\n  value: other-SECRET-2\n');
    for (const command of ['plan', 'deploy']) {
      const result = await cli(['cloud', command, '-p', dir, '-y']);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`error: the env BIG of project.yml has no value and no secret for stage "dev" (not in ${path.join(dir, '.secrets', 'dev_secrets.yml')}, and not in the store): every cloud run would stop at it, so cloud ${command} did nothing`);
      expect(result.stderr).toContain(`${path.join(dir, 'project.yml')}:3:`);
      expect(result.stderr).toContain('fix: add it to');
      expect(result.stdout + result.stderr).not.toContain('SECRET');
    }
    // The deploy would have removed the stored BIG (not in the file); it was refused first.
    expect(await storedKeys()).toEqual(['BIG', 'OTHER']);
  });

  it('with no secrets file for the stage, plan is refused the same way', async () => {
    const plan = await cli(['cloud', 'plan', '-p', dir, '-s', 'prod']);
    expect(plan.code).toBe(2);
    expect(plan.stderr).toContain(`the envs BIG, OTHER of project.yml have no value and no secret for stage "prod" (there is no secrets file ${path.join(dir, '.secrets', 'secrets.yml')}, and not in the store)`);
    expect(plan.stderr).toContain(`${path.join(dir, 'project.yml')}:4:10: envs[1].key: "OTHER" has no value and no secret for stage "prod"`);
    expect(plan.stderr).toContain(`fix: add them to ${path.join(dir, '.secrets', 'secrets.yml')} ("- key: BIG" with its "value:", "- key: OTHER" with its "value:") and run cloud plan again, or give each env a value: in project.yml`);
  });

  it('cloud run is refused before anything starts when the store lacks the secret', async () => {
    const removed = await cli(['secrets', 'delete', '-p', dir, '--key', 'BIG', '-y']);
    expect(removed.code, removed.stderr).toBe(0);
    const run = await cli(['cloud', 'run', '-p', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('the env BIG of project.yml has no value and no secret for stage "dev" (the store holds no secret of that key): every cloud run would stop at it, so cloud run did nothing');
    expect(run.stderr).not.toContain('Started job');
    // Given back, the deploy and the run go ahead.
    fs.writeFileSync(path.join(dir, '.secrets', 'dev_secrets.yml'), BOTH);
    const deployed = await cli(['cloud', 'deploy', '-p', dir, '-y']);
    expect(deployed.code, deployed.stderr).toBe(0);
    const again = await cli(['cloud', 'run', '-p', dir]);
    expect(again.code, again.stderr).toBe(0);
  });
});
