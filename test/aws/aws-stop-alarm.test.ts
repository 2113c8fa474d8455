// A run stopped with `cloud job stop` against moto is no failure to the task's alarms (its log metric and its task-stop
// rule), and one stopped as a timeout's stop is: the deployed stack's own filters over the lines the run's handoff wrote.
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { DescribeTaskDefinitionCommand, DescribeTasksCommand, ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { makeProject, makeTempDir, runCli, type CliResult } from '../helpers/cli.js';
import { callBoto3, startMotoServer, type MotoServer } from '../helpers/moto-server.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const FAMILY = 'handoff-dev-halt-job';
const CLUSTER = 'handoff-dev-halt';

let moto: MotoServer;
let env: Record<string, string>;
let dir = '';
let metadata: http.Server;
/** The task id the metadata endpoint answers with: the run "in" that ECS task. */
let ownTaskArn = '';

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { env: { ...env, AWS_PROFILE: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 120_000 });
}

const clientConfig = () => ({ endpoint: moto.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

/** The ECS task metadata endpoint v4 as Fargate serves it to a container (`GET ${ECS_CONTAINER_METADATA_URI_V4}/task`), on loopback. */
async function startMetadataEndpoint(): Promise<{ server: http.Server; uri: string }> {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/v4/container-1/task') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ Cluster: CLUSTER, TaskARN: ownTaskArn, Family: FAMILY, DesiredStatus: 'RUNNING', KnownStatus: 'RUNNING' }));
    } else res.writeHead(404).end();
  });
  // Ports 47500-47599 are this test's to take.
  for (let port = 47500; port < 47600; port++) {
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (bound) return { server, uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v4/container-1` };
  }
  throw new Error('no free port in 47500-47599');
}

/**
 * CloudWatch Logs' filter pattern for unstructured lines, as handoff's metric filters use it: quoted terms that must all
 * be in the line, `-"…"` terms that must not (case-sensitive; CloudWatch Logs User Guide, "Filter pattern syntax").
 */
function matchesFilterPattern(pattern: string, line: string): boolean {
  const terms = [...pattern.matchAll(/(-?)"([^"]*)"/g)].map((m) => ({ exclude: m[1] === '-', text: m[2]! }));
  expect(terms.map((t) => `${t.exclude ? '-' : ''}"${t.text}"`).join(' ')).toBe(pattern.trim());
  return terms.every((t) => line.includes(t.text) !== t.exclude);
}

/** The container: `handoff run -p <project> -w <workspace> -a` (the image's command) with the task definition's environment. */
async function startContainer(taskArn: string, metadataUri: string): Promise<{ lines: () => string[]; started: () => boolean; end: () => Promise<number | null> }> {
  const definition = await new ECSClient(clientConfig()).send(new DescribeTaskDefinitionCommand({ taskDefinition: FAMILY }));
  const containerEnv = Object.fromEntries((definition.taskDefinition!.containerDefinitions![0]!.environment ?? []).map((e) => [e.name!, e.value ?? '']));
  ownTaskArn = taskArn;
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'handoff.js'), 'run', '-p', dir, '-w', makeTempDir('handoff-ecs-task-'), '-a'], {
    env: { PATH: process.env.PATH, HOME: makeTempDir('handoff-ecs-home-'), ...env, ...containerEnv, ECS_CONTAINER_METADATA_URI_V4: metadataUri, HANDOFF_GRACE_SECONDS: '1' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    lines: () => text.split('\n').filter(Boolean),
    started: () => /Task halt started/.test(text),
    // What ECS does to a stopped task's container: SIGTERM (then SIGKILL after stopTimeout).
    end: async () => {
      process.kill(-child.pid!, 'SIGTERM');
      return exited;
    },
  };
}

async function startRun(): Promise<string> {
  const run = await cli(['cloud', 'run', '-p', dir, '--json']);
  expect(run.code, run.stderr).toBe(0);
  const id = (JSON.parse(run.stdout) as { job: string }).job;
  const [task] = (await new ECSClient(clientConfig()).send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [id] }))).tasks!;
  return task!.taskArn!;
}

type Pattern = { [key: string]: unknown };

/**
 * Whether an EventBridge event pattern matches an event, for the parts handoff's task-stop rule uses (EventBridge User
 * Guide, "Event patterns", "Content filtering"): a list of values or filters (`anything-but`, `exists`, `prefix`) per
 * field, nested objects, arrays in the event matching when one element does, and `$or`. moto's own matcher does not
 * look into arrays of objects (`detail.containers`), so it cannot judge this rule.
 */
function matchesEventPattern(pattern: Pattern, event: unknown): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    if (key === '$or') return (expected as Pattern[]).some((branch) => matchesEventPattern(branch, event));
    const value = (event as Record<string, unknown> | undefined)?.[key];
    if (!Array.isArray(expected)) return (Array.isArray(value) ? value : [value]).some((v) => v !== undefined && matchesEventPattern(expected as Pattern, v));
    const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
    return (expected as unknown[]).some((filter) => {
      if (filter === null || typeof filter !== 'object') return values.includes(filter);
      const [name, arg] = Object.entries(filter)[0]!;
      if (name === 'exists') return (values.length > 0) === arg;
      if (name === 'anything-but') return values.length > 0 && values.every((v) => !(Array.isArray(arg) ? arg : [arg]).includes(v));
      if (name === 'prefix') return values.some((v) => typeof v === 'string' && v.startsWith(String(arg)));
      throw new Error(`the test cannot judge the filter ${JSON.stringify(filter)}`);
    });
  });
}

/** ECS's "ECS Task State Change" event of a stopped task, as EventBridge gets it. */
function taskStopped(detail: Record<string, unknown>): Record<string, unknown> {
  return { source: 'aws.ecs', 'detail-type': 'ECS Task State Change', detail: { lastStatus: 'STOPPED', group: `family:${FAMILY}`, ...detail } };
}

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  moto = await startMotoServer();
  env = { ...moto.env, HANDOFF_HOME: makeTempDir('handoff-home-') };
  dir = makeProject(`tasks:
  - name: halt
    commands:
      - command: sh
        args: -c 'echo working; sleep 30'
deploy:
  cloud_provider: aws
  resource_group: halt
  task: job
  image_version: "0.1"
`).projectDir;
  const deployed = await cli(['cloud', 'deploy', '-p', dir, '-y']);
  expect(deployed.code, deployed.stderr).toBe(0);
  metadata = (await startMetadataEndpoint()).server;
}, 180_000);

afterAll(async () => {
  await new Promise((resolve) => metadata?.close(resolve));
  await moto?.stop();
});

describe('a run stopped by cloud job stop and the failed-runs alarms', () => {
  let taskFailedPattern = '';
  let rulePattern: Pattern = {};

  beforeAll(async () => {
    const template = JSON.parse((await new CloudFormationClient(clientConfig()).send(new GetTemplateCommand({ StackName: FAMILY }))).TemplateBody!) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const filters = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Logs::MetricFilter');
    taskFailedPattern = String(filters.find((f) => (f.Properties.MetricTransformations as { MetricName: string }[])[0]!.MetricName === 'TaskFailed')!.Properties.FilterPattern);
    rulePattern = JSON.parse((callBoto3(moto, { service: 'events', operation: 'describe_rule', params: { Name: `${FAMILY}-stopped` } }) as { EventPattern: string }).EventPattern) as Pattern;
  });

  const url = (): string => `http://127.0.0.1:${(metadata.address() as AddressInfo).port}/v4/container-1`;

  it('a user stop: recorded first, the run marks its lines, and neither the TaskFailed filter nor the task-stop rule takes it', async () => {
    const taskArn = await startRun();
    const id = taskArn.split('/').pop()!;
    const container = await startContainer(taskArn, url());
    for (let i = 0; i < 300 && !container.started(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(container.started(), container.lines().join('\n')).toBe(true);
    const stop = await cli(['cloud', 'job', 'stop', '-p', dir, '-v', `id=${id}`, '--json']);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toContain(`job/stops/${id}.json`);
    const record = await new S3Client(clientConfig()).send(new GetObjectCommand({ Bucket: /s3:\/\/([^/]+)\//.exec(stop.stdout)![1], Key: `job/stops/${id}.json` }));
    expect(JSON.parse(await record.Body!.transformToString())).toMatchObject({ stopped_by: 'handoff cloud job stop' });
    expect(await container.end()).toBe(143);
    const lines = container.lines();
    expect(lines.filter((l) => l.includes('Task halt ended with exit code 143'))).toEqual([expect.stringContaining('[handoff: stopped by a user]')]);
    expect(lines.some((l) => l.includes(`ECS task ${id} was stopped by \`handoff cloud job stop\``))).toBe(true);
    expect(lines.filter((l) => matchesFilterPattern(taskFailedPattern, l))).toEqual([]);
    // ECS's event for this stop: the reason `cloud job stop` gave, a user's stop code, the container's 143.
    const [task] = (await new ECSClient(clientConfig()).send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [id] }))).tasks!;
    expect(task!.stoppedReason).toBe('stopped by handoff cloud job stop');
    const stopped = taskStopped({ taskArn, stopCode: 'UserInitiated', stoppedReason: task!.stoppedReason, containers: [{ name: 'job', exitCode: 143 }] });
    expect(matchesEventPattern(rulePattern, stopped)).toBe(false);
  }, 120_000);

  it('a timeout\'s stop (recorded nowhere, its own reason): the run\'s task end and the task stop are still counted', async () => {
    const taskArn = await startRun();
    const container = await startContainer(taskArn, url());
    for (let i = 0; i < 300 && !container.started(); i++) await new Promise((r) => setTimeout(r, 100));
    // Stopped once its task runs, as the user's stop above is: a SIGTERM before the run's own handlers are in place
    // is another case (the run is not under way yet). The run's lines go with each failure, to tell a flake apart.
    expect(container.started(), container.lines().join('\n')).toBe(true);
    expect(await container.end(), container.lines().join('\n')).toBe(143);
    const lines = container.lines();
    expect(lines.join('\n')).not.toContain('[handoff: stopped by a user]');
    expect(lines.filter((l) => matchesFilterPattern(taskFailedPattern, l)), lines.join('\n')).toEqual([expect.stringContaining('Task halt ended with exit code 143')]);
    expect(matchesEventPattern(rulePattern, taskStopped({ taskArn, stopCode: 'UserInitiated', stoppedReason: 'handoff: the run timed out', containers: [{ name: 'job', exitCode: 143 }] }))).toBe(true);
    // A failed run no one stopped, one without a reason, one that never started, and a success (not taken).
    expect(matchesEventPattern(rulePattern, taskStopped({ taskArn, stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited', containers: [{ name: 'job', exitCode: 1 }] }))).toBe(true);
    expect(matchesEventPattern(rulePattern, taskStopped({ taskArn, containers: [{ name: 'job', exitCode: 137 }] }))).toBe(true);
    expect(matchesEventPattern(rulePattern, taskStopped({ taskArn, stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError' }))).toBe(true);
    expect(matchesEventPattern(rulePattern, taskStopped({ taskArn, stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited', containers: [{ name: 'job', exitCode: 0 }] }))).toBe(false);
  }, 120_000);

  it('a `cloud run --wait --timeout` stop: the run records itself failed, timed out, and `runs show` says so', async () => {
    const ecs = new ECSClient(clientConfig());
    // moto moves a task one state on at each DescribeTasks (to STOPPED in four): here it runs until it is stopped, as
    // a real task does (moto's state manager, "manual" progression).
    const transition = async (path: string, body: object): Promise<void> => {
      const answer = await fetch(`${moto.url}/moto-api/state-manager/${path}`, { method: 'POST', body: JSON.stringify(body) });
      expect(answer.status, await answer.text()).toBe(201);
    };
    await transition('set-transition', { model_name: 'ecs::task', transition: { progression: 'manual', times: 1_000_000 } });
    onTestFinished(() => transition('unset-transition', { model_name: 'ecs::task' }));
    const before = new Set((await ecs.send(new ListTasksCommand({ cluster: CLUSTER }))).taskArns ?? []);
    const run = cli(['cloud', 'run', '-p', dir, '--wait', '--timeout', '20']);
    // moto runs no container: the task `cloud run` started is run here by hand, as ECS would run it.
    let taskArn: string | undefined;
    for (let i = 0; i < 300 && !taskArn; i++) {
      taskArn = ((await ecs.send(new ListTasksCommand({ cluster: CLUSTER }))).taskArns ?? []).find((arn) => !before.has(arn));
      if (!taskArn) await new Promise((r) => setTimeout(r, 100));
    }
    expect(taskArn).toBeDefined();
    const container = await startContainer(taskArn!, url());
    for (let i = 0; i < 300 && !container.started(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(container.started(), container.lines().join('\n')).toBe(true);
    // The timeout: `cloud run` records it under the task's stops/, then stops the task, whose container gets SIGTERM.
    const ended = await run;
    expect(ended.stderr).toMatch(/timed out after 20 s/);
    expect(await container.end()).toBe(143);
    const shown = await cli(['runs', 'show', 'latest', '-p', dir, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const record = JSON.parse(shown.stdout) as { status: string; reason?: string; exitCode?: number };
    expect(record).toMatchObject({ status: 'failed', exitCode: 143 });
    expect(record.reason).toContain('timed out');
    expect(record.reason).toContain('--timeout');
    // Still no user's stop: the failed-runs alarm counts it.
    expect(container.lines().join('\n')).not.toContain('[handoff: stopped by a user]');
  }, 180_000);
});
