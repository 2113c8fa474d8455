// `cloud logs` and `cloud job status|stop` of a task that is not deployed, and `cloud logs` of an inverted time range, are
// mistakes to say (exit 2) on every provider, not an empty answer (review "the same commands across providers",
// 2026-12-06, findings 3 and 8; fourth review's leftovers).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli, type CliResult } from './helpers/cli.js';
import { runWith } from './store/store-scenario.js';
import { startGcpEmulator, type GcpEmulator } from './gcp/emulator/gcp-emulator.js';
import { startAzureTestbed, type AzureTestbed } from './azure/azure-testbed.js';

let emulator: GcpEmulator;
let bed: AzureTestbed;

beforeAll(async () => {
  [emulator, bed] = await Promise.all([startGcpEmulator({ containers: 'process' }), startAzureTestbed()]);
}, 120_000);

afterAll(async () => {
  await Promise.all([emulator?.stop(), bed?.stop()]);
});

const TASKS = `tasks:
  - name: count
    commands:
      - command: "true"
`;

/** One project per provider, its deploy keys and how to run the CLI against it. */
function providers(task: string): Record<string, { dir: string; cli: (args: string[]) => Promise<CliResult> }> {
  const home = makeTempDir();
  const local = makeProject(`${TASKS}deploy:\n  cloud_provider: local\n  resource_group: newrg\n  task: ${task}\n`).projectDir;
  const gcp = makeProject(`${TASKS}deploy:\n  cloud_provider: gcp\n  gcp_project: acme-data\n  region: europe-west1\n  resource_group: newrg\n  task: ${task}\n  image_version: "0.1"\n`).projectDir;
  const azure = path.join(makeTempDir(), 'azure');
  fs.mkdirSync(azure);
  fs.writeFileSync(path.join(azure, 'project.yml'), `${TASKS}deploy:\n  resource_group: newrg\n  task: ${task}\n  container_image: greeter\n  image_version: "0.1"\n${bed.deployKeys()}\n`);
  return {
    local: { dir: local, cli: (args) => runCli(args, { env: { HANDOFF_HOME: home, __VARS: undefined } as NodeJS.ProcessEnv }) },
    gcp: { dir: gcp, cli: (args) => runCli(args, { env: { ...emulator.env, GOOGLE_CLOUD_PROJECT: undefined, __VARS: undefined } as NodeJS.ProcessEnv }) },
    azure: { dir: azure, cli: (args) => runWith(bed.env, args) },
  };
}

describe('cloud logs', () => {
  it('of a task that is not deployed says so, as cloud run does (exit 2)', async () => {
    for (const [name, p] of Object.entries(providers('nevertask'))) {
      // The resource group deployed, the task not (a misspelt deploy.task): Azure has its log workspace then.
      if (name === 'azure') {
        for (const what of ['bucket', 'resources']) {
          const created = await p.cli(['cloud', what, 'create', '-p', p.dir, '-y']);
          expect(created.code, created.stderr).toBe(0);
        }
      }
      const logs = await p.cli(['cloud', 'logs', '-p', p.dir]);
      expect(logs.code, `${name}: ${logs.stdout}${logs.stderr}`).toBe(2);
      expect(logs.stderr, name).toMatch(name === 'local' ? /the local bucket .* does not exist/ : /the task is not deployed/);
    }
  }, 180_000);

  it('with end_time before start_time is refused before any read (exit 2)', async () => {
    for (const [name, p] of Object.entries(providers('count'))) {
      const logs = await p.cli(['cloud', 'logs', '-p', p.dir, '-v', 'start_time=2026-12-06T11:33:00Z', 'end_time=2026-12-06T11:30:00Z']);
      expect(logs.code, `${name}: ${logs.stderr}`).toBe(2);
      expect(logs.stderr, name).toContain('error: end_time=2026-12-06T11:30:00Z is before start_time=2026-12-06T11:33:00Z');
    }
  }, 180_000);
});

describe('cloud job status|stop', () => {
  it('of a task that is not deployed say so with the words of cloud logs (exit 2), not an empty list or "no run"', async () => {
    for (const [name, p] of Object.entries(providers('nevertask'))) {
      // The resource group deployed, the task not: Azure says so rather than that it has no log workspace.
      if (name === 'azure') {
        for (const what of ['bucket', 'resources']) expect((await p.cli(['cloud', what, 'create', '-p', p.dir, '-y'])).code).toBe(0);
      }
      const logs = await p.cli(['cloud', 'logs', '-p', p.dir]);
      const notDeployed = logs.stderr.split('\n').filter((l) => l.startsWith('error: ') || l.startsWith('fix: '));
      expect(notDeployed, `${name}: ${logs.stderr}`).toHaveLength(2);
      for (const args of [['cloud', 'job', 'status'], ['cloud', 'job', 'status', '-v', 'id=1234'], ['cloud', 'job', 'stop', '-v', 'id=1234'], ['cloud', 'logs', '-v', 'id=1234']]) {
        const result = await p.cli([...args, '-p', p.dir]);
        const what = `${name} ${args.join(' ')}`;
        expect(result.code, `${what}: ${result.stdout}${result.stderr}`).toBe(2);
        expect(result.stdout, what).toBe('');
        for (const line of notDeployed) expect(result.stderr, what).toContain(line);
      }
    }
  }, 180_000);
});
