// `run local -a` with deploy.cloud_provider: aws, against moto: the record and artifacts go to S3, then are archived.
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import fs from 'node:fs';
import { makeProject } from '../helpers/cli.js';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.js';
import { runWith } from './store-scenario.js';

let moto: MotoServer;

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  moto = await startMotoServer();
});

afterAll(async () => {
  await moto?.stop();
});

describe('run local -a with the aws provider (moto)', () => {
  it('pushes the run record and the artifacts to S3 and archives them', async () => {
    const { projectDir, workspaceDir } = makeProject(`version: 0.3
tasks:
  - name: work
    commands:
      - command: sh
        args: -c "echo made > artifacts/out.txt"
deploy:
  cloud_provider: aws
  resource_group: push-aws
  task: job
`);
    const created = await runWith(moto.env, ['cloud', 'bucket', 'create', '-p', projectDir]);
    expect(created.code, created.stderr).toBe(0);
    const bucket = (parse(created.stdout) as { bucket: string }).bucket;
    const run = await runWith(moto.env, ['run', 'local', '-p', projectDir, '-w', workspaceDir, '-a']);
    expect(run.code, run.stderr).toBe(0);
    const s3 = new S3Client({ endpoint: moto.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'job/' }))).Contents ?? []).map((c) => c.Key ?? '');
    expect(keys).toContain('job/artifacts/last/out.txt');
    expect(keys.some((k) => /^job\/artifacts\/archives\/[^/]+\/out\.txt$/.test(k))).toBe(true);
    expect(keys.filter((k) => /^job\/runs\/[^/]+\.json$/.test(k))).toHaveLength(1);
    s3.destroy();
  });

  it('a bucket that does not exist is refused with exit 2 before the run, not at its push', async () => {
    const { projectDir, workspaceDir } = makeProject(`version: 0.3
tasks:
  - name: work
    commands:
      - command: sh
        args: -c "echo ran > artifacts/out.txt"
deploy:
  cloud_provider: aws
  resource_group: push-aws-none
  task: job
`);
    const run = await runWith(moto.env, ['run', 'local', '-p', projectDir, '-w', workspaceDir, '-a']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/the bucket \S+ does not exist/);
    expect(run.stderr).toContain('handoff cloud bucket create');
    expect(fs.existsSync(workspaceDir)).toBe(false);
  });
});
