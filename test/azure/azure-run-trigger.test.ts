// A Container Apps execution's record says how it was started, as the local provider's do: `cloud` for `cloud run`,
// `schedule` for a schedule's job (review "the same commands across providers", 2026-12-06, finding 2).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, type CliResult } from '../helpers/cli.js';
import { runWith } from '../store/store-scenario.js';
import { startAzureTestbed, type AzureTestbed } from './azure-testbed.js';

let bed: AzureTestbed;
let projectDir = '';

function cli(args: string[]): Promise<CliResult> {
  return runWith(bed.env, args);
}

async function triggers(): Promise<string[]> {
  const listed = await cli(['runs', 'list', '-p', projectDir, '--json']);
  expect(listed.code, listed.stderr).toBe(0);
  return (JSON.parse(listed.stdout) as { trigger: string }[]).map((r) => r.trigger).sort();
}

beforeAll(async () => {
  bed = await startAzureTestbed();
  projectDir = path.join(makeTempDir('handoff-azure-'), 'trig');
  fs.mkdirSync(projectDir, { recursive: true });
  // Paris has daylight saving: a Logic App starts the schedule's job, as its recurrence would.
  fs.writeFileSync(
    path.join(projectDir, 'project.yml'),
    `tasks:
  - name: greet
    commands:
      - command: "true"
deploy:
  resource_group: trig
  task: greet
  container_image: greeter
  image_version: "0.1"
${bed.deployKeys()}
schedules:
  - target_id: paris
    cron: 0 6 ? * MON-FRI *
    timezone: Europe/Paris
    envs:
      - key: HANDOFF_TRIGGER
        value: manual
`,
  );
  bed.emulator.registerImage(`${bed.emulator.registryServer}/greeter:0.1`, projectDir);
  const deployed = await cli(['cloud', 'deploy', '-p', projectDir, '-y']);
  expect(deployed.code, deployed.stderr).toBe(0);
}, 300_000);

afterAll(async () => {
  await bed?.stop();
});

describe('the trigger of a Container Apps execution\'s record', () => {
  it('is cloud for `cloud run`, schedule for a schedule\'s run (an env of the same name changes nothing)', async () => {
    const run = await cli(['cloud', 'run', '-p', projectDir, '--wait', '-e', 'HANDOFF_TRIGGER=ui']);
    expect(run.code, run.stderr).toBe(0);
    expect(await triggers()).toEqual(['cloud']);

    const [workflow] = bed.emulator.resourcesOfType('Microsoft.Logic/workflows') as { name: string }[];
    expect(await bed.emulator.fireWorkflow(workflow!.name)).toMatchObject([{ status: 'Succeeded' }]);
    let found: string[] = [];
    for (let i = 0; i < 150 && found.length < 2; i++) {
      found = await triggers();
      if (found.length < 2) await new Promise((r) => setTimeout(r, 200));
    }
    expect(found).toEqual(['cloud', 'schedule']);
  }, 300_000);
});
