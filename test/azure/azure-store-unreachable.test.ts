// A cloud run whose store (Azurite's Blob container) stops answering before the run pushes its results: the push tries
// again a few times, says it could not push to the store, and the job ends with the run's own code, not its deadline.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, type CliResult } from '../helpers/cli.js';
import { runWith } from '../store/store-scenario.js';
import { startAzureTestbed, type AzureTestbed } from './azure-testbed.js';

let bed: AzureTestbed;
let root = '';

function cli(args: string[]): Promise<CliResult> {
  return runWith(bed.env, args);
}

beforeAll(async () => {
  bed = await startAzureTestbed();
  root = makeTempDir('handoff-azure-unreachable-');
}, 60_000);

afterAll(async () => {
  await bed?.stop();
});

describe('azure: a run whose store cannot be reached when it pushes', () => {
  it('says it could not push to the store and ends with the run\'s own exit code, not as timed out', async () => {
    const dir = path.join(root, 'napper');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'project.yml'),
      `tasks:
  - name: nap
    commands:
      - command: sh
        args: -c 'touch "$GO_ON.started"; while [ ! -e "$GO_ON" ]; do sleep 0.1; done'
deploy:
  resource_group: naps
  task: nap
  container_image: napper
  task_timeout: 120
${bed.deployKeys()}
`,
    );
    bed.emulator.registerImage(`${bed.emulator.registryServer}/napper:0.1`, dir);
    const deployed = await cli(['cloud', 'deploy', '-p', dir, '-v', 'version=0.1', '-y']);
    expect(deployed.code, deployed.stderr).toBe(0);
    const goOn = path.join(makeTempDir('handoff-azure-flag-'), 'go-on');
    const run = cli(['cloud', 'run', '-p', dir, '--wait', '-e', `GO_ON=${goOn}`]);
    // The replica is a handoff of this machine: once its task is under way, the store goes, then the task ends.
    for (let i = 0; i < 1200 && !fs.existsSync(`${goOn}.started`); i++) await new Promise((r) => setTimeout(r, 100));
    expect(fs.existsSync(`${goOn}.started`)).toBe(true);
    await bed.azurite.stop();
    fs.writeFileSync(goOn, '');
    const result = await run;
    const output = `${result.stdout}\n${result.stderr}`;
    expect(result.code, output).toBe(0);
    expect(output).toMatch(/ERROR - Could not push the run's results to the store \S+ \(4 attempts over \d+ s\): .*ECONNREFUSED/);
    expect(output).not.toContain('timed out');
    expect(output).not.toContain('137');
  }, 300_000);
});
