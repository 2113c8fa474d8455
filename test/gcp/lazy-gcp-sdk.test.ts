// The Google Cloud libraries load only when the gcp provider is chosen, and then only the clients a command uses.
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/cli.js';
import { findPackages, runRecorded as runWithRecorder } from '../helpers/module-recorder.js';

/** Runs the built CLI with a module recorder and returns which Google libraries the bundle files it loaded hold. */
async function runRecorded(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; libraries: Set<string>; stderr: string }> {
  const { code, loaded, stderr } = await runWithRecorder(args, env);
  return { code, libraries: findPackages(loaded, /node_modules\/(@google-cloud\/[^/]+|google-gax|google-auth-library)\//), stderr };
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
