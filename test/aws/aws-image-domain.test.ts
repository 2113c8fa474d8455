// A deploy.image_domain that is not ECR (a registry of its own) on AWS, against moto: without a version to deploy, the error says to name one rather than "no image in ECR (no repository yet)".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runCli, type CliResult } from '../helpers/cli.js';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.js';

let moto: MotoServer;

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { env: { ...moto.env, AWS_PROFILE: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 180_000 });
}

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  moto = await startMotoServer();
});

afterAll(async () => {
  await moto?.stop();
});

describe('aws: an image_domain handoff does not list', () => {
  it('without deploy.image_version or -v version=: says to name the version; with -v the plan runs that tag from that registry', async () => {
    const dir = makeProject(`tasks:
  - name: load
    commands:
      - command: echo
        args: loading
deploy:
  cloud_provider: aws
  resource_group: img
  task: words
  image_domain: "127.0.0.1:47701"
`).projectDir;
    const result = await cli(['cloud', 'plan', '-p', dir]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('deploy.image_domain 127.0.0.1:47701 is a registry handoff does not list, so the version of words to deploy cannot be chosen there');
    expect(result.stderr).toContain('set deploy.image_version, or pass -v version=<tag> (the tag pushed to 127.0.0.1:47701)');
    expect(result.stderr).not.toContain('no repository yet');
    const named = await cli(['cloud', 'plan', '-p', dir, '-v', 'version=0.1']);
    expect(named.code, named.stderr).toBe(0);
    expect(named.stdout + named.stderr).toContain('127.0.0.1:47701/words:0.1');
  }, 300_000);
});
