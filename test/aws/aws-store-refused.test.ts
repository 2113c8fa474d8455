// A run whose store answers its push with a refusal (the bucket deleted mid-run: NoSuchBucket): one line naming the
// store, what failed and the fix, the record and artifacts left in the workspace, and the run's own exit code.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli, type CliResult } from '../helpers/cli.js';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');

let moto: MotoServer;
let env: Record<string, string>;
let dir = '';
let bucket = '';

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { env: { ...env, AWS_PROFILE: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 120_000 });
}

/** Empties the bucket (every version: it is versioned) and deletes it, as someone cleaning up the account would. */
async function deleteBucket(): Promise<void> {
  const s3 = new S3Client({ endpoint: moto.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  const objects = [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId! }));
  if (objects.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }));
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
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
  resource_group: gone
  task: job
`).projectDir;
  const created = await cli(['cloud', 'bucket', 'create', '-p', dir, '-y']);
  expect(created.code, created.stderr).toBe(0);
  const status = await cli(['cloud', 'bucket', 'status', '-p', dir]);
  bucket = /s3:\/\/([^/\s]+)/.exec(`${status.stdout}\n${status.stderr}`)?.[1] ?? /\b(handoff-gone-[a-z0-9-]+)/.exec(`${status.stdout}\n${status.stderr}`)?.[1] ?? '';
  expect(bucket, `${status.stdout}\n${status.stderr}`).not.toBe('');
}, 180_000);

afterAll(async () => {
  await moto?.stop();
});

describe('a run whose bucket is deleted while it runs', () => {
  it('says the push was refused (the bucket, the fix) in one line and exits with the run\'s own code', async () => {
    const workspace = makeTempDir('handoff-refused-ws-');
    const goOn = path.join(makeTempDir('handoff-refused-flag-'), 'go-on');
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
    await deleteBucket();
    fs.writeFileSync(goOn, '');
    // The run's own exit code (it succeeded), not the push's error (2).
    expect(await exited, text).toBe(0);
    const lines = text.split('\n');
    const failed = lines.filter((l) => l.includes('ERROR') && l.includes(`Could not push the run's results to the store s3://${bucket}/`));
    expect(failed, text).toHaveLength(1);
    expect(failed[0]).toContain(`the bucket ${bucket} does not exist`);
    expect(failed[0]).toContain(`handoff cloud bucket create -p ${dir}`);
    expect(failed[0]).toContain(`stay in the workspace ${workspace}`);
    // Not tried again: the answer would be the same.
    expect(text).not.toContain('trying the push again');
    expect(text).not.toMatch(/^\s+at /m);
    expect(text).not.toContain('testing');
    expect(fs.readFileSync(path.join(workspace, 'artifacts', 'out.txt'), 'utf8')).toBe('done\n');
    expect(fs.readdirSync(path.join(workspace, 'runs')).some((n) => n.endsWith('.json'))).toBe(true);
  }, 180_000);
});
