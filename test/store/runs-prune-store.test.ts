// `runs prune -p P`: the store's run records (`<task>/runs/`) pruned as a workspace's are, on the local store and moto's S3.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir } from '../helpers/cli.js';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.js';
import { runWith } from './store-scenario.js';
import { expectStorePrune, PRUNE_PROJECT_TASKS } from './store-prune-scenario.js';

let moto: MotoServer | undefined;

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  moto = await startMotoServer();
}, 120_000);

afterAll(async () => {
  await moto?.stop();
});

describe('runs prune -p: the store\'s run records', () => {
  it('aws (moto): asks before removing all, keeps the newest N, leaves newer runs unread with --older-than', async () => {
    const env = { ...moto!.env, HANDOFF_HOME: makeTempDir('handoff-home-') };
    const { projectDir } = makeProject(`${PRUNE_PROJECT_TASKS}deploy:
  cloud_provider: aws
  resource_group: prune-aws
  task: job
`);
    const bucket = await runWith(env, ['cloud', 'bucket', 'create', '-p', projectDir]);
    expect(bucket.code, bucket.stderr).toBe(0);
    await expectStorePrune((args) => runWith(env, args), projectDir, /s3:\/\/[^ ]+\/job\/runs\//);
  }, 300_000);

  it('local store: --older-than removes the old records, a record that cannot be read is named and left', async () => {
    const home = makeTempDir('handoff-home-');
    const env = { HANDOFF_HOME: home };
    const { projectDir, workspaceDir } = makeProject(`${PRUNE_PROJECT_TASKS}deploy:
  cloud_provider: local
  resource_group: prune-local
  task: job
`);
    expect((await runWith(env, ['cloud', 'bucket', 'create', '-p', projectDir])).code).toBe(0);
    const run = await runWith(env, ['run', 'local', '-p', projectDir, '-w', workspaceDir, '-a']);
    expect(run.code, run.stderr).toBe(0);
    const runId = fs.readdirSync(path.join(workspaceDir, 'runs')).find((n) => n.endsWith('.json'))!.slice(0, -5);
    const stored = fs.readdirSync(home, { recursive: true, encoding: 'utf8' }).find((f) => path.basename(f) === `${runId}.json`)!;
    const runsDir = path.dirname(path.join(home, stored));
    const text = fs.readFileSync(path.join(runsDir, `${runId}.json`), 'utf8');
    // Two runs of a year ago, and one cut short.
    const old = ['20251101T000000.000Z-aaaa', '20251102T000000.000Z-bbbb'];
    for (const id of old) fs.writeFileSync(path.join(runsDir, `${id}.json`), text.replaceAll(runId, id).replace(/"startedAt": "[^"]+"/, '"startedAt": "2025-11-01T00:00:00.000Z"'));
    fs.writeFileSync(path.join(runsDir, '20251103T000000.000Z-cccc.json'), '{"runId": "20251103T0');

    const pruned = await runWith(env, ['runs', 'prune', '-p', projectDir, '--older-than', '90d']);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stderr).toMatch(/Removed 2 runs from \S+job\/runs\/?, kept the 1 run started in the last 90d \(not read\) and left 1 record that cannot be read\n/);
    expect(pruned.stderr).toMatch(/the record of run 20251103T000000\.000Z-cccc cannot be read \(.*job\/runs\/20251103T000000\.000Z-cccc\.json\); prune left it as it is/);
    expect(fs.readdirSync(runsDir).sort()).toEqual(['20251103T000000.000Z-cccc.json', `${runId}.json`]);
  }, 120_000);
});
