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
    expect(lines[0]).toBe('line 0');
    expect(lines[11_999]).toBe('line 11999');
    expect(new Set(lines).size).toBe(12_000);
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
