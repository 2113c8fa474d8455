// Runs and logs of one task against moto, without a deploy: a log longer than one read, and runs of other tasks on the shared cluster.
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateClusterCommand, DescribeTasksCommand, ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli, type CliResult } from '../helpers/cli.js';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.js';

let moto: MotoServer;
let env: Record<string, string>;
let dir = '';

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { env: { ...env, AWS_PROFILE: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 120_000 });
}

const clientConfig = () => ({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  moto = await startMotoServer();
  env = { ...moto.env, HANDOFF_HOME: makeTempDir('handoff-home-') };
  dir = makeProject(`tasks:
  - name: load
    commands:
      - command: echo
        args: loading
deploy:
  cloud_provider: aws
  resource_group: rn
  task: long
`).projectDir;
});

afterAll(async () => {
  await moto?.stop();
});

describe('cloud logs', () => {
  it('prints every line of a log longer than one read (12,000 lines; CloudWatch gives 10,000 at a time)', async () => {
    const logs = new CloudWatchLogsClient(clientConfig());
    const group = '/handoff/dev-rn/long';
    const stream = 'handoff/long/aaaa1111bbbb2222cccc3333dddd4444';
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
    // Recent: CloudWatch refuses events older than 14 days.
    const start = Date.now() - 3_600_000;
    // PutLogEvents takes at most 10,000 events a call.
    for (const from of [0, 6000]) {
      const logEvents = Array.from({ length: 6000 }, (_, i) => ({ timestamp: start + from + i, message: `line ${from + i}` }));
      await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents }));
    }
    const result = await cli(['cloud', 'logs', '-p', dir]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(12_000);
    // No -v id=: each line says its run (the stream's ECS task id).
    expect(lines[0]).toBe('[aaaa1111bbbb2222cccc3333dddd4444] line 0');
    expect(lines[11_999]).toBe('[aaaa1111bbbb2222cccc3333dddd4444] line 11999');
    expect(new Set(lines).size).toBe(12_000);
  });

  it('gives each line its run id when it reads several runs, and none when it reads one (-v id=)', async () => {
    const two = makeProject(`tasks:
  - name: load
    commands:
      - command: echo
        args: loading
deploy:
  cloud_provider: aws
  resource_group: rn
  task: two
`).projectDir;
    const logs = new CloudWatchLogsClient(clientConfig());
    const group = '/handoff/dev-rn/two';
    const first = '11111111aaaa2222bbbb3333cccc4444';
    const second = '55555555dddd6666eeee7777ffff8888';
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    const start = Date.now() - 60_000;
    // Two runs at once (a schedule's and a `cloud run`), writing the same lines: only the id tells them apart.
    for (const [id, offset] of [[first, 0], [second, 1]] as const) {
      const stream = `handoff/two/${id}`;
      await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
      const logEvents = ['Task load started', 'Task load ended with exit code 0'].map((message, i) => ({ timestamp: start + i * 10 + offset, message }));
      await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents }));
    }
    const all = await cli(['cloud', 'logs', '-p', two]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout.trim().split('\n')).toEqual([
      `[${first}] Task load started`,
      `[${second}] Task load started`,
      `[${first}] Task load ended with exit code 0`,
      `[${second}] Task load ended with exit code 0`,
    ]);
    const one = await cli(['cloud', 'logs', '-p', two, '-v', `id=${second.slice(0, 8)}`]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout.trim().split('\n')).toEqual(['Task load started', 'Task load ended with exit code 0']);
  });
});

describe('cloud job status|stop -v id=<a whole task id>', () => {
  const cluster = 'handoff-dev-rn';
  let otherId = '';
  let ownId = '';

  beforeAll(async () => {
    const ecs = new ECSClient(clientConfig());
    await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    const run = async (family: string): Promise<string> => {
      await ecs.send(new RegisterTaskDefinitionCommand({ family, containerDefinitions: [{ name: family === 'handoff-dev-rn-long' ? 'long' : 'other', image: 'busybox', memory: 512 }] }));
      const out = await ecs.send(new RunTaskCommand({ cluster, taskDefinition: family, launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } } }));
      return out.tasks![0]!.taskArn!.split('/').pop()!;
    };
    // Another task of the resource group (its family shares this one's prefix), on the same cluster.
    otherId = await run('handoff-dev-rn-long2');
    ownId = await run('handoff-dev-rn-long');
  });

  it('does not find or stop a run of another task of the cluster: "no run", exit 2, and it keeps running', async () => {
    const status = await cli(['cloud', 'job', 'status', '-p', dir, '-v', `id=${otherId}`]);
    expect(status.code, status.stderr).toBe(2);
    expect(status.stderr).toContain(`no run "${otherId}" of dev-rn/long`);
    const stop = await cli(['cloud', 'job', 'stop', '-p', dir, '-v', `id=${otherId}`]);
    expect(stop.code, stop.stderr).toBe(2);
    const tasks = await new ECSClient(clientConfig()).send(new DescribeTasksCommand({ cluster, tasks: [otherId] }));
    expect(tasks.tasks?.[0]?.desiredStatus).toBe('RUNNING');
  });

  it('finds a run of its own by its whole id', async () => {
    const status = await cli(['cloud', 'job', 'status', '-p', dir, '-v', `id=${ownId}`]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(ownId);
  });
});

describe('cloud job status|stop of a task that is not deployed', () => {
  it('say that the task is not deployed, as cloud run does (exit 2), not an empty list or "no run"', async () => {
    const never = makeProject(`tasks:
  - name: load
    commands:
      - command: "true"
deploy:
  cloud_provider: aws
  resource_group: rn
  task: nevertask
`).projectDir;
    const run = await cli(['cloud', 'run', '-p', never]);
    expect(run.code, run.stderr).toBe(2);
    const notDeployed = run.stderr.split('\n').filter((l) => l.startsWith('error: ') || l.startsWith('fix: '));
    expect(notDeployed[0]).toBe('error: there is no task definition handoff-dev-rn-nevertask: the task is not deployed');
    for (const args of [['cloud', 'job', 'status'], ['cloud', 'job', 'status', '-v', 'id=1234'], ['cloud', 'job', 'stop', '-v', 'id=1234']]) {
      const result = await cli([...args, '-p', never]);
      const what = args.join(' ');
      expect(result.code, `${what}: ${result.stdout}${result.stderr}`).toBe(2);
      expect(result.stdout, what).toBe('');
      for (const line of notDeployed) expect(result.stderr, what).toContain(line);
    }
  });
});

describe('cloud job status|stop -v id=<a start that several runs share>', () => {
  it('names the runs it matches and how to pick one (exit 2)', async () => {
    const cluster = 'handoff-dev-rn';
    const ecs = new ECSClient(clientConfig());
    await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    await ecs.send(new RegisterTaskDefinitionCommand({ family: 'handoff-dev-rn-amb', containerDefinitions: [{ name: 'amb', image: 'busybox', memory: 512 }] }));
    const amb = makeProject(`tasks:
  - name: load
    commands:
      - command: "true"
deploy:
  cloud_provider: aws
  resource_group: rn
  task: amb
`).projectDir;
    // Task ids are random: runs are started until two share their first character (at most 17 runs).
    const byStart = new Map<string, string[]>();
    let shared: string[] | undefined;
    while (!shared) {
      const out = await ecs.send(new RunTaskCommand({ cluster, taskDefinition: 'handoff-dev-rn-amb', launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } } }));
      const id = out.tasks![0]!.taskArn!.split('/').pop()!;
      const same = [...(byStart.get(id[0]!) ?? []), id];
      byStart.set(id[0]!, same);
      if (same.length === 2) shared = same;
    }
    const prefix = shared[0]![0]!;
    for (const verb of ['status', 'stop']) {
      const result = await cli(['cloud', 'job', verb, '-p', amb, '-v', `id=${prefix}`]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`error: "${prefix}" matches 2 runs of dev-rn/amb (`);
      for (const id of shared) expect(result.stderr).toContain(id);
      expect(result.stderr).toMatch(/fix: give more of the id, enough to name one run: e\.g\. -v id=[0-9a-f-]{32,36}/);
    }
  });
});
