// A run whose identity may read the store but not write it (a grant too narrow: Cloud Storage answers 403 to the push):
// one line naming the store, what was refused and the fix, the record and artifacts left in the workspace, and the
// run's own exit code, against the loopback emulator's IAM.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, repoRoot, runCli } from '../helpers/cli.js';
import { startGcpEmulator, type GcpEmulator } from './emulator/gcp-emulator.js';

const PROJECT = 'acme-data';
const BUCKET = 'narrow-grant-bucket';
const RUNNER = `runner@${PROJECT}.iam.gserviceaccount.com`;

let emulator: GcpEmulator;
let metadata: { host: string; close(): Promise<void> } | undefined;
let dir = '';

beforeAll(async () => {
  emulator = await startGcpEmulator({ containers: 'process' });
  dir = makeProject(`tasks:
  - name: load
    commands:
      - command: sh
        args: -c 'echo loaded > artifacts/out.txt'
deploy:
  cloud_provider: gcp
  gcp_project: ${PROJECT}
  region: europe-west1
  resource_group: narrow
  task: load
  bucket: ${BUCKET}
`).projectDir;
  const created = await runCli(['cloud', 'bucket', 'create', '-p', dir], { env: { ...emulator.env, GOOGLE_CLOUD_PROJECT: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 120_000 });
  expect(created.code, created.stderr).toBe(0);
  // The run's identity (a service account, from a metadata server as in Cloud Run) may only read the bucket.
  emulator.iam.serviceAccounts.set(RUNNER, { email: RUNNER, uniqueId: '1234567890', displayName: 'runner', description: '', projectId: PROJECT });
  emulator.iam.setPolicy(`projects/_/buckets/${BUCKET}`, { bindings: [{ role: 'roles/storage.objectViewer', members: [`serviceAccount:${RUNNER}`] }] });
  metadata = await emulator.auth.startMetadataServer(RUNNER, PROJECT, 'europe-west1');
}, 120_000);

afterAll(async () => {
  await metadata?.close();
  await emulator?.stop();
});

describe('gcp: a run whose push the store refuses (403)', () => {
  it('says in one line that the store refused it, with the fix, and exits with the run\'s own code', async () => {
    const workspace = makeTempDir('handoff-gcp-refused-ws-');
    const { GOOGLE_APPLICATION_CREDENTIALS: _deployer, METADATA_SERVER_DETECTION: _none, ...endpoints } = emulator.env;
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'handoff.js'), 'run', 'local', '-p', dir, '-w', workspace, '-a'], {
      env: { ...process.env, ...endpoints, GCE_METADATA_HOST: metadata!.host, GOOGLE_APPLICATION_CREDENTIALS: '', GOOGLE_CLOUD_PROJECT: '', __VARS: '', HANDOFF_HOME: makeTempDir('handoff-home-') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(text).toContain('Task load ended');
    // The run succeeded: its code, not the push's error (2).
    expect(code, text).toBe(0);
    const failed = text.split('\n').filter((l) => l.includes('ERROR') && l.includes(`Could not push the run's results to the store gs://${BUCKET}/`));
    expect(failed, text).toHaveLength(1);
    expect(failed[0]).toMatch(/denied|PERMISSION_DENIED|403/i);
    expect(failed[0]).toContain('(fix: ');
    // Run from the user's machine (no CLOUD_RUN_JOB): the identity to grant is the one the CLI runs as.
    expect(failed[0]).toContain('grant the deploying identity');
    expect(failed[0]).toContain(`stay in the workspace ${workspace}`);
    // Not tried again (the answer would be the same), no stack.
    expect(text).not.toContain('trying the push again');
    expect(text).not.toMatch(/^\s+at /m);
    expect(fs.readFileSync(path.join(workspace, 'artifacts', 'out.txt'), 'utf8')).toBe('loaded\n');
    expect(fs.readdirSync(path.join(workspace, 'runs')).some((n) => n.endsWith('.json'))).toBe(true);
    // Nothing reached the bucket.
    expect([...(emulator.storage.buckets.get(BUCKET)?.objects.keys() ?? [])].filter((k) => k.includes('/runs/'))).toEqual([]);
  }, 180_000);

  it('inside the Cloud Run job (CLOUD_RUN_JOB set), the fix names the job\'s service account, not the deploying identity', async () => {
    // The task's own identity, as deploy names it (ho-<stage>-<resource group>-<task>), may only read the bucket.
    const job = `ho-dev-narrow-load@${PROJECT}.iam.gserviceaccount.com`;
    emulator.iam.serviceAccounts.set(job, { email: job, uniqueId: '1234567891', displayName: 'job', description: '', projectId: PROJECT });
    emulator.iam.setPolicy(`projects/_/buckets/${BUCKET}`, { bindings: [{ role: 'roles/storage.objectViewer', members: [`serviceAccount:${RUNNER}`, `serviceAccount:${job}`] }] });
    const jobMetadata = await emulator.auth.startMetadataServer(job, PROJECT, 'europe-west1');
    try {
      const workspace = makeTempDir('handoff-gcp-refused-job-');
      const { GOOGLE_APPLICATION_CREDENTIALS: _deployer, METADATA_SERVER_DETECTION: _none, ...endpoints } = emulator.env;
      const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'handoff.js'), 'run', 'local', '-p', dir, '-w', workspace, '-a'], {
        env: { ...process.env, ...endpoints, CLOUD_RUN_JOB: 'ho-dev-narrow-load', GCE_METADATA_HOST: jobMetadata.host, GOOGLE_APPLICATION_CREDENTIALS: '', GOOGLE_CLOUD_PROJECT: '', __VARS: '', HANDOFF_HOME: makeTempDir('handoff-home-') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      expect(code, text).toBe(0);
      const failed = text.split('\n').filter((l) => l.includes('ERROR') && l.includes(`Could not push the run's results to the store gs://${BUCKET}/`));
      expect(failed, text).toHaveLength(1);
      expect(failed[0]).toContain(`grant the job's service account ${job}`);
      expect(failed[0]).toContain('handoff cloud deploy');
      expect(failed[0]).not.toContain('deploying identity');
    } finally {
      await jobMetadata.close();
    }
  }, 180_000);
});
