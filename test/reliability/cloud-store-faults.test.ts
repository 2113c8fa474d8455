// Faults of the store on S3 (moto) and in HANDOFF_HOME: artifacts far larger than handoff's own memory, fetched and pushed by `handoff run`.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli } from '../helpers/cli.js';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.js';
import { runHandoff } from './fault-helpers.js';

const TASK = 'bigdata';
const MB = 1024 * 1024;
/** Large enough that a copy in memory shows well above handoff's own footprint (about 130 MB with the AWS SDK loaded). */
const ARTIFACT_BYTES = 160 * MB;
/** Before streaming: 3.3 times the artifact for a get on S3, 1.2 times for a push; after: 125–140 MB whatever the size. */
const MEMORY_LIMIT_KB = 200 * 1024;

let moto: MotoServer;

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  moto = await startMotoServer();
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

/** Every key of every bucket in moto, through the SDK. */
async function listAllKeys(): Promise<string[]> {
  const s3 = new S3Client({ endpoint: moto.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  try {
    const keys: string[] = [];
    for (const bucket of (await s3.send(new ListBucketsCommand({}))).Buckets ?? []) {
      const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket.Name }));
      keys.push(...(out.Contents ?? []).map((c) => c.Key ?? ''));
    }
    return keys.sort();
  } finally {
    s3.destroy();
  }
}

/** A task that appends a line to its big artifact each run, so a run proves it fetched the previous one whole. */
function makeBigArtifactProject(provider: 'aws' | 'local'): { projectDir: string; workspaceDir: string } {
  return makeProject(
    `tasks:
  - name: grow
    commands:
      - command: sh
        args: -c "wc -c < artifacts/big.bin > artifacts/size_seen.txt && echo one-more-line >> artifacts/big.bin"
deploy:
  cloud_provider: ${provider}
  resource_group: rg
  task: ${TASK}
`,
  );
}

/** Writes `bytes` of a repeating pattern (not zeros, which a transfer could shortcut) without holding them in memory. */
function writeBigFile(file: string, bytes: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const block = Buffer.alloc(MB);
  for (let i = 0; i < MB; i++) block[i] = (i * 7 + 13) & 0xff;
  const fd = fs.openSync(file, 'w');
  for (let written = 0; written < bytes; written += MB) fs.writeSync(fd, block);
  fs.closeSync(fd);
}

describe.each(['aws', 'local'] as const)('an artifact of 160 MB in the %s store', (provider) => {
  it('is pushed, fetched by `handoff run` and pushed again while handoff stays far below its size in memory', async () => {
    const root = makeTempDir();
    const { projectDir } = makeBigArtifactProject(provider);
    const env = { ...(provider === 'aws' ? moto.env : {}), HANDOFF_HOME: path.join(root, 'home') };
    if (provider === 'aws') await moto.reset();
    for (const args of [['cloud', 'bucket', 'create'], ['project', 'push', '-y']]) {
      const result = await runCli(['--cloud-provider', provider, ...args, '-p', projectDir], { env });
      expect(result.code, result.stderr).toBe(0);
    }
    const first = path.join(root, 'ws1');
    writeBigFile(path.join(first, 'artifacts', 'big.bin'), ARTIFACT_BYTES);
    const pushed = await runHandoff(['--cloud-provider', provider, 'artifacts', 'push', '-p', projectDir, '-w', first], { env, measureMemory: true, timeoutMs: 120_000 });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.peakKb).toBeGreaterThan(0);
    expect(pushed.peakKb).toBeLessThan(MEMORY_LIMIT_KB);

    // A fresh workspace, as a container's: the run fetches the artifact, grows it and pushes it back.
    const second = path.join(root, 'ws2');
    const run = await runHandoff(['--cloud-provider', provider, 'run', '-e', 'resource_group=rg', `task=${TASK}`, '-w', second, '-a'], { env, measureMemory: true, timeoutMs: 120_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.peakKb).toBeLessThan(MEMORY_LIMIT_KB);
    expect(fs.readFileSync(path.join(second, 'artifacts', 'size_seen.txt'), 'utf8').trim()).toBe(String(ARTIFACT_BYTES));
    expect(run.stderr).toMatch(/Fetched project\.yml, 0 files, 0 secrets and 1 artifact\b/);

    // What the store holds now is the grown file, whole: a third fetch gets exactly the bytes the run left.
    const third = path.join(root, 'ws3');
    const got = await runHandoff(['--cloud-provider', provider, 'artifacts', 'get', '-e', 'resource_group=rg', `task=${TASK}`, '-w', third], { env, measureMemory: true, timeoutMs: 120_000 });
    expect(got.code, got.stderr).toBe(0);
    expect(got.peakKb).toBeLessThan(MEMORY_LIMIT_KB);
    const fetched = path.join(third, 'artifacts', 'big.bin');
    expect(fs.statSync(fetched).size).toBe(ARTIFACT_BYTES + 'one-more-line\n'.length);
    expect(fs.statSync(fetched).mode & 0o777).toBe(0o644);
    const tail = Buffer.alloc(64);
    const fd = fs.openSync(fetched, 'r');
    fs.readSync(fd, tail, 0, 64, ARTIFACT_BYTES - 50);
    fs.closeSync(fd);
    expect(tail.subarray(50).toString()).toBe('one-more-line\n');
    expect(fs.readdirSync(path.join(third, 'artifacts')).filter((n) => n.endsWith('.handoff-tmp'))).toEqual([]);
    fs.rmSync(root, { recursive: true, force: true });
  }, 180_000);
});

describe('a file name with a control character (a newline) on S3', () => {
  it('files push and project push refuse it with exit 2, naming it, before anything is pushed; artifacts push leaves it out with a warning and pushes the rest', async () => {
    await moto.reset();
    const root = makeTempDir();
    const { projectDir } = makeBigArtifactProject('aws');
    const env = { ...moto.env, HANDOFF_HOME: path.join(root, 'home') };
    const aws = ['--cloud-provider', 'aws'];
    expect((await runCli([...aws, 'cloud', 'bucket', 'create', '-p', projectDir], { env })).code).toBe(0);
    fs.mkdirSync(path.join(projectDir, 'files'));
    fs.writeFileSync(path.join(projectDir, 'files', 'a.txt'), 'a\n');
    fs.writeFileSync(path.join(projectDir, 'files', 'report\nfinal.csv'), 'x\n');
    for (const args of [['files', 'push'], ['project', 'push', '-y']]) {
      const pushed = await runCli([...aws, ...args, '-p', projectDir], { env });
      expect(pushed.code, pushed.stderr).toBe(2);
      expect(pushed.stderr).toContain(`${JSON.stringify(path.join(projectDir, 'files', 'report\nfinal.csv'))} has a control character (newline, tab, …) in its name`);
      expect(pushed.stderr).toContain('fix: rename it');
      expect(pushed.stderr).not.toContain('This is a bug');
    }
    // Nothing reached the bucket: not a.txt, not project.yml.
    expect(await listAllKeys()).toEqual([]);

    const workspaceDir = path.join(root, 'ws');
    fs.mkdirSync(path.join(workspaceDir, 'artifacts'), { recursive: true });
    fs.writeFileSync(path.join(workspaceDir, 'artifacts', 'state.json'), '{"bookmarks":{}}\n');
    fs.writeFileSync(path.join(workspaceDir, 'artifacts', 'odd\nname.log'), 'x\n');
    const artifacts = await runCli([...aws, 'artifacts', 'push', '-p', projectDir, '-w', workspaceDir], { env });
    expect(artifacts.code, artifacts.stderr).toBe(0);
    expect(artifacts.stderr).toContain('a name with a control character (newline, tab, …) cannot be stored');
    const fetched = path.join(root, 'ws2');
    const got = await runCli([...aws, 'artifacts', 'get', '-e', 'resource_group=rg', `task=${TASK}`, '-w', fetched], { env });
    expect(got.code, got.stderr).toBe(0);
    expect(fs.readdirSync(path.join(fetched, 'artifacts'))).toEqual(['state.json']);
    expect(await listAllKeys()).toEqual([`${TASK}/artifacts/last/state.json`]);
  }, 60_000);
});

/**
 * A loopback proxy in front of moto that answers chosen requests with an S3 error instead (as S3 does when it
 * throttles or fails), and forwards the rest.
 */
async function startFaultProxy(fail: (req: http.IncomingMessage) => { status: number; code: string } | undefined): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const target = new URL(moto.url);
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    const fault = fail(req);
    hits.push(`${req.method} ${req.url} ${fault ? fault.status : 'forwarded'}`);
    if (fault) {
      req.resume();
      req.on('end', () => {
        res.writeHead(fault.status, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code}</Code><Message>injected by the test</Message><RequestId>1</RequestId></Error>`);
      });
      return;
    }
    const forward = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, hits, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('S3 throttling and server errors during a push', () => {
  it('a PutObject that fails twice with HTTP 500 is sent again whole (a fresh stream each time); one throttled throughout fails clearly with exit 1, never "This is a bug"', async () => {
    await moto.reset();
    const root = makeTempDir();
    const { projectDir } = makeBigArtifactProject('aws');
    const home = path.join(root, 'home');
    const aws = ['--cloud-provider', 'aws'];
    expect((await runCli([...aws, 'cloud', 'bucket', 'create', '-p', projectDir], { env: { ...moto.env, HANDOFF_HOME: home } })).code).toBe(0);
    const workspaceDir = path.join(root, 'ws');
    writeBigFile(path.join(workspaceDir, 'artifacts', 'big.bin'), 8 * MB);
    const isBigPut = (req: http.IncomingMessage): boolean => req.method === 'PUT' && (req.url ?? '').includes('/artifacts/last/big.bin');

    let failures = 0;
    const flaky = await startFaultProxy((req) => (isBigPut(req) && failures++ < 2 ? { status: 500, code: 'InternalError' } : undefined));
    try {
      const pushed = await runCli([...aws, 'artifacts', 'push', '-p', projectDir, '-w', workspaceDir], { env: { ...moto.env, AWS_ENDPOINT_URL: flaky.url, HANDOFF_HOME: home } });
      expect(pushed.code, pushed.stderr).toBe(0);
      expect(flaky.hits.filter((h) => h.includes('/artifacts/last/big.bin'))).toEqual([expect.stringMatching(/ 500$/), expect.stringMatching(/ 500$/), expect.stringMatching(/ forwarded$/)]);
    } finally {
      await flaky.close();
    }
    const fetched = path.join(root, 'ws2');
    const got = await runCli([...aws, 'artifacts', 'get', '-e', 'resource_group=rg', `task=${TASK}`, '-w', fetched], { env: { ...moto.env, HANDOFF_HOME: home } });
    expect(got.code, got.stderr).toBe(0);
    expect(fs.readFileSync(path.join(fetched, 'artifacts', 'big.bin')).equals(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'big.bin')))).toBe(true);

    const throttled = await startFaultProxy((req) => (req.method === 'PUT' ? { status: 503, code: 'SlowDown' } : undefined));
    try {
      const pushed = await runCli([...aws, 'artifacts', 'push', '-p', projectDir, '-w', workspaceDir], { env: { ...moto.env, AWS_ENDPOINT_URL: throttled.url, HANDOFF_HOME: home } });
      expect(pushed.code, pushed.stderr).toBe(1);
      expect(pushed.stderr).toContain('error: AWS is throttling requests (SlowDown) and still did after several attempts to write s3://');
      expect(pushed.stderr).toContain('fix: wait a minute and run the command again');
      expect(pushed.stderr).not.toContain('This is a bug');
      expect(throttled.hits.filter((h) => h.startsWith('PUT')).length).toBe(3);
    } finally {
      await throttled.close();
    }
  }, 60_000);
});
