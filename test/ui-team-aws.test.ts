// Cloud runs on the team server for a project on AWS, against moto through the real AWS SDK: the provider's jobs (ECS
// tasks) in the runs table, a cloud run started and stopped, its CloudWatch log followed and masked, and the run
// records in S3 listed beside them. moto runs no containers, so the test writes the log lines and the record a real
// run would; moto's tasks carry no start time, so joining a record to its job by time is left to merge-runs.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client, ModifyVpcAttributeCommand } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeployNames, type DeployNames } from '../src/providers/aws/names.js';
import type { JobDetail, JobLogChunk, OverviewResponse, RunsPage } from '../src/ui/api-types.js';
import { makeTempDir } from './helpers/cli.js';
import { startMotoServer, type MotoServer } from './helpers/moto-server.js';
import { openTeamEvents, readAuditFile, readJsonAs, startCloudTeamUi, stopUis, waitForAnswer, type TeamClient, type TeamUiProcess } from './helpers/ui-process.js';

const SECRET = 'aws-ui-secret-41bd07';
const BUCKET = 'handoff-ui-team-aws-test';

describe('cloud runs on the team server (AWS, against moto)', () => {
  let moto: MotoServer;
  let names: DeployNames;
  let root: string;
  let ui: TeamUiProcess;
  let otto: TeamClient;
  let vic: TeamClient;
  const sdk = () => ({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

  beforeAll(async () => {
    moto = await startMotoServer();
    // moto moves a task on towards STOPPED each time it is described; the server describes often: keep it running.
    await fetch(`${moto.url}/moto-api/state-manager/set-transition`, { method: 'POST', body: JSON.stringify({ model_name: 'ecs::task', transition: { progression: 'manual', times: 1_000_000 } }) });
    names = createDeployNames({ resourceGroup: 'shop', task: 'orders', stage: 'dev', accountId: '123456789012', region: 'us-east-1', bucket: BUCKET });
    // What `cloud deploy` would have made, made directly: the cluster, the task definition, the log group, the bucket.
    const ecs = new ECSClient(sdk());
    await ecs.send(new CreateClusterCommand({ clusterName: names.cluster }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: names.taskDefinitionFamily,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: names.containerName, image: 'handoff-orders:0.1', essential: true, memory: 512 }],
      }),
    );
    await new CloudWatchLogsClient(sdk()).send(new CreateLogGroupCommand({ logGroupName: names.logGroup }));
    await new S3Client({ ...sdk(), forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: BUCKET }));
    // The project the task's container fetches first, as `handoff project push` leaves it: a run without it is refused.
    await new S3Client({ ...sdk(), forcePathStyle: true }).send(new PutObjectCommand({ Bucket: BUCKET, Key: names.s3.projectKey, Body: 'tasks: []\n' }));
    // The network a task runs in.
    const ec2 = new EC2Client(sdk());
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
    // As the resources stack makes it (and moto needs, to name a task's network interface).
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpc, EnableDnsHostnames: { Value: true } }));
    const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.0.1.0/24' }))).Subnet!.SubnetId!;
    const group = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpc, GroupName: 'handoff-ui-test', Description: 'no ingress' }))).GroupId!;
    // The resources stack, whose outputs name the network the provider runs tasks in.
    const template = { Resources: { Topic: { Type: 'AWS::SNS::Topic' } }, Outputs: { Subnets: { Value: subnet }, SecurityGroups: { Value: group } } };
    await new CloudFormationClient(sdk()).send(new CreateStackCommand({ StackName: names.resourcesStack, TemplateBody: JSON.stringify(template) }));

    root = makeTempDir('handoff-team-aws-');
    fs.mkdirSync(path.join(root, 'orders', '.secrets'), { recursive: true });
    fs.writeFileSync(
      path.join(root, 'orders', 'project.yml'),
      `tasks:
  - name: sync
    commands:
      - command: echo synced
deploy:
  cloud_provider: aws
  resource_group: shop
  task: orders
  bucket: ${BUCKET}
`,
    );
    fs.writeFileSync(path.join(root, 'orders', '.secrets', 'dev_secrets.yml'), `- key: API_TOKEN\n  value: ${SECRET}\n`);
    ({ ui, otto, vic } = await startCloudTeamUi(root, { ...moto.env, AWS_PROFILE: undefined } as NodeJS.ProcessEnv));
  }, 60_000);

  afterAll(async () => {
    stopUis();
    await moto?.stop();
  });

  it('offers cloud runs in AWS and keeps "Run now" on the server\'s machine off for an AWS project', async () => {
    const overview = await readJsonAs<OverviewResponse>(vic, '/api/projects/orders/overview');
    expect(overview.cloud).toMatchObject({ provider: 'aws', canStartRuns: true, resourceGroup: 'shop', task: 'orders' });
    expect(overview.canStartRuns).toBe(false);
    expect(overview.readOnlyReason).toContain('local_runs: true');
  });

  it('starts an ECS task, follows its CloudWatch log masked, stops it, and lists the records cloud runs stored', async () => {
    const events = openTeamEvents(ui, '/api/projects/orders/events', { cookie: vic.cookie });
    expect(await events.status).toBe(200);
    expect((await vic.call('/api/projects/orders/cloud-runs', { method: 'POST' })).status).toBe(403);
    const started = await otto.call('/api/projects/orders/cloud-runs', { method: 'POST' });
    expect(started.status, `${await started.clone().text()} ${ui.stderr()}`).toBe(201);
    const { job } = (await started.json()) as { job: JobDetail['job'] };
    expect(job.details.task_arn).toContain(':task/');
    await waitForAnswer(async () => (await readJsonAs<RunsPage>(vic, '/api/projects/orders/runs')).runs.some((r) => r.jobId === job.id && r.where === 'cloud'));

    // The container's log lines, as awslogs would deliver them to the task's stream.
    const logs = new CloudWatchLogsClient(sdk());
    const stream = `${names.logStreamPrefix}/${names.containerName}/${job.id}`;
    await logs.send(new CreateLogStreamCommand({ logGroupName: names.logGroup, logStreamName: stream }));
    const put = (message: string) => logs.send(new PutLogEventsCommand({ logGroupName: names.logGroup, logStreamName: stream, logEvents: [{ timestamp: Date.now(), message }] }));
    await put('Job started at 2026-01-01T00:00:00Z');
    await waitForAnswer(async () => (await readJsonAs<JobLogChunk>(vic, `/api/projects/orders/jobs/${job.id}/log`)).lines.includes('Job started at 2026-01-01T00:00:00Z'));
    await put(`a library printed ${SECRET}`);
    await waitForAnswer(async () => events.events.some((e) => e.type === 'job-log' && e.jobId === job.id && e.lines.includes('a library printed ***')));

    expect((await vic.call(`/api/projects/orders/jobs/${job.id}/stop`, { method: 'POST' })).status).toBe(403);
    const stopped = await otto.call(`/api/projects/orders/jobs/${job.id}/stop`, { method: 'POST' });
    expect(stopped.status).toBe(202);
    const detail = await readJsonAs<JobDetail>(vic, `/api/projects/orders/jobs/${job.id}`);
    expect(detail.job).toMatchObject({ status: 'interrupted', failure: 'stopped', reason: 'stopped by handoff cloud job stop' });
    await waitForAnswer(async () => events.events.some((e) => e.type === 'job' && e.job.id === job.id && e.job.status === 'interrupted'), 15_000);

    // A record an earlier cloud run pushed to the bucket is a row of the history too, read through the provider's store.
    const runId = '20260103T020000.000Z-a1b2';
    const record = { schema: 1, runId, project: { name: 'orders', dir: '/app' }, stage: 'dev', trigger: 'schedule', handoffVersion: '0.5.0', host: 'ip-10-0-0-1', pid: 1, status: 'succeeded', startedAt: '2026-01-03T02:00:00.000Z', heartbeatAt: '2026-01-03T02:00:04.000Z', endedAt: '2026-01-03T02:00:04.000Z', durationMs: 4000, exitCode: 0, tasks: [], records: { orders: 12 }, logs: { console: `runs/${runId}/console.log`, stderr: {} } };
    await new S3Client({ ...sdk(), forcePathStyle: true }).send(new PutObjectCommand({ Bucket: BUCKET, Key: names.s3.runRecordKey(runId), Body: JSON.stringify(record) }));
    await waitForAnswer(async () => (await readJsonAs<RunsPage>(vic, '/api/projects/orders/runs')).runs.some((r) => r.runId === runId), 30_000);
    const page = await readJsonAs<RunsPage>(vic, '/api/projects/orders/runs');
    expect(page.runs.find((r) => r.runId === runId)).toMatchObject({ where: 'cloud', status: 'succeeded', trigger: 'schedule', records: 12 });
    expect(page.runs.find((r) => r.jobId === job.id)).toMatchObject({ where: 'cloud', status: 'interrupted', jobStatus: 'interrupted' });
    expect(page.cloudError).toBeUndefined();
    for (const raw of [events.raw(), JSON.stringify(page), JSON.stringify(detail)]) expect(raw).not.toContain(SECRET);
    events.close();
    const audit = readAuditFile(path.join(root, 'audit.jsonl'));
    expect(audit.map((e) => `${e.user} ${e.action} ${e.outcome}`)).toEqual(['otto login ok', 'vic login ok', 'vic cloud_run_start denied', 'otto cloud_run_start ok', 'vic job_stop denied', 'otto job_stop ok']);
  });
});
