// Runs and logs of one task against moto, without a deploy: a log longer than one read, and runs of other tasks on the shared cluster.
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
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
