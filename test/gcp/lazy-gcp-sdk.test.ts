// The Google Cloud libraries load only when the gcp provider is chosen, and then only the clients a command uses.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cliPath, makeTempDir, repoRoot } from '../helpers/cli.js';

const hook = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'store', 'fixtures', 'record-modules.mjs');

/** Runs the built CLI with a loader hook and returns which Google libraries the bundle files it loaded hold. */
function runRecorded(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; libraries: Set<string>; stderr: string }> {
  const log = path.join(makeTempDir(), 'modules.log');
  fs.writeFileSync(log, '');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', hook, cliPath, ...args], { cwd: repoRoot, env: { ...process.env, HANDOFF_TEST_MODULE_LOG: log, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    child.on('close', (code) => {
      const files = [...new Set(fs.readFileSync(log, 'utf8').split('\n').filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u)))].filter((f) => f.startsWith(path.join(repoRoot, 'dist')));
      const libraries = new Set<string>();
      for (const file of files) {
        if (!fs.existsSync(`${file}.map`)) continue;
        for (const source of (JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')) as { sources: string[] }).sources) {
          const lib = /node_modules\/(@google-cloud\/[^/]+|google-gax|google-auth-library)\//.exec(source)?.[1];
          if (lib) libraries.add(lib);
        }
      }
      resolve({ code, libraries, stderr });
    });
  });
}

describe('lazy loading of the Google Cloud libraries', () => {
  it('--help and the local provider load none of them', async () => {
    for (const args of [['--help'], ['cloud', 'task', 'create', '--help']]) {
      const result = await runRecorded(args);
      expect(result.code, result.stderr).toBe(0);
      expect([...result.libraries], args.join(' ')).toEqual([]);
    }
    const local = await runRecorded(['cloud', 'bucket', 'status', '-e', 'resource_group=rg', 'task=t'], { HANDOFF_HOME: makeTempDir() });
    expect(local.code, local.stderr).toBe(0);
    expect([...local.libraries]).toEqual([]);
  });

  it('a store command of the gcp provider loads Cloud Storage, not the clients of runs, schedules or deploys', async () => {
    const result = await runRecorded(['cloud', 'bucket', 'status', '--cloud-provider', 'gcp', '-e', 'resource_group=rg', 'task=t'], {
      GOOGLE_CLOUD_PROJECT: 'acme-data',
      CLOUDSDK_RUN_REGION: 'europe-west1',
      // Nothing answers here: the command fails after loading what it needs, which is what is measured.
      HANDOFF_GCP_ENDPOINT: 'http://127.0.0.1:9',
      GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/credentials.json',
    });
    expect(result.libraries.has('@google-cloud/storage')).toBe(true);
    for (const lib of ['@google-cloud/run', '@google-cloud/scheduler', '@google-cloud/monitoring', '@google-cloud/logging-api']) expect(result.libraries.has(lib), lib).toBe(false);
  });
});
