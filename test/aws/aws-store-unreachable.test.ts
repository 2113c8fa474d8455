// A run whose store (S3, here moto) stops answering before the run pushes its results: a bounded retry, then one line
// naming the store and the error, and the run's own exit code (the same shared push as Azure's and Google Cloud's).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli, type CliResult } from '../helpers/cli.js';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');

let moto: MotoServer;
let env: Record<string, string>;
let dir = '';

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { env: { ...env, AWS_PROFILE: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 120_000 });
}

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  moto = await startMotoServer();
  env = { ...moto.env, HANDOFF_HOME: makeTempDir('handoff-home-') };
  dir = makeProject(`tasks:
  - name: nap
    commands:
      - command: sh
        args: -c 'echo napping; while [ ! -e "$GO_ON" ]; do sleep 0.1; done; echo done > artifacts/out.txt'
deploy:
  cloud_provider: aws
  resource_group: nap
  task: job
`).projectDir;
  const created = await cli(['cloud', 'bucket', 'create', '-p', dir, '-y']);
  expect(created.code, created.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await moto?.stop();
});

describe('a run whose store cannot be reached when it pushes', () => {
  it('tries again a few times, then says it could not push to the store and exits with the run\'s own code', async () => {
    const workspace = makeTempDir('handoff-unreachable-ws-');
    const goOn = path.join(makeTempDir('handoff-unreachable-flag-'), 'go-on');
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'handoff.js'), 'run', 'local', '-p', dir, '-w', workspace, '-a', '-e', `GO_ON=${goOn}`], {
      env: { ...process.env, ...env, AWS_PROFILE: '', __VARS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    for (let i = 0; i < 600 && !text.includes('Task nap started'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(text).toContain('Task nap started');
    // The store goes away while the task runs; the task then succeeds.
    await moto.stop();
    fs.writeFileSync(goOn, '');
    const code = await exited;
    expect(code, text).toBe(0);
    const lines = text.split('\n');
    expect(lines.filter((l) => l.includes('Could not reach the store s3://')).length, text).toBe(3);
    const failed = lines.filter((l) => l.includes('ERROR') && l.includes('Could not push the run\'s results to the store s3://'));
    expect(failed, text).toHaveLength(1);
    expect(failed[0]).toContain('ECONNREFUSED');
    expect(failed[0]).toContain(`stay in the workspace ${workspace}`);
    // Nothing was lost: the record and the artifact are in the workspace, to push later.
    expect(fs.readFileSync(path.join(workspace, 'artifacts', 'out.txt'), 'utf8')).toBe('done\n');
    expect(fs.readdirSync(path.join(workspace, 'runs')).some((n) => n.endsWith('.json'))).toBe(true);
    expect(text).not.toContain('testing');
  }, 180_000);
});
