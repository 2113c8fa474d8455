// A run whose store's Blob container is deleted while it runs (ContainerNotFound at its push): one line naming the
// store, what failed and the fix, the record and artifacts left in the workspace, and the run's own exit code.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, generateAccountSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, repoRoot, type CliResult } from '../helpers/cli.js';
import { runWith } from '../store/store-scenario.js';
import { startAzureTestbed, type AzureTestbed } from './azure-testbed.js';
import { AZURITE_ACCOUNT, AZURITE_KEY } from './azurite.js';

const CONTAINER = 'refused-store';

let bed: AzureTestbed;
let dir = '';

function cli(args: string[]): Promise<CliResult> {
  return runWith(bed.env, args);
}

/** Deletes the Blob container in Azurite, as someone cleaning up the storage account would (a SAS of the account key). */
function deleteContainer(): Promise<number> {
  const sas = generateAccountSASQueryParameters(
    { expiresOn: new Date(Date.now() + 3_600_000), permissions: AccountSASPermissions.parse('rwdlac'), resourceTypes: AccountSASResourceTypes.parse('sco').toString(), services: AccountSASServices.parse('b').toString() },
    new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
  ).toString();
  const url = `${bed.azurite.endpoint.replace('{account}', AZURITE_ACCOUNT)}/${CONTAINER}?restype=container&${sas}`;
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method: 'DELETE', ca: fs.readFileSync(bed.env.NODE_EXTRA_CA_CERTS!), headers: { 'x-ms-version': '2021-12-02', 'content-length': 0 } }, (answer) => {
      answer.resume();
      answer.on('end', () => resolve(answer.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end();
  });
}

beforeAll(async () => {
  bed = await startAzureTestbed();
  dir = path.join(makeTempDir('handoff-azure-refused-'), 'napper');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'project.yml'),
    `tasks:
  - name: nap
    commands:
      - command: sh
        args: -c 'echo napping; while [ ! -e "$GO_ON" ]; do sleep 0.1; done; echo done > artifacts/out.txt'
deploy:
  resource_group: naps
  task: nap
${bed.deployKeys({ bucket: CONTAINER })}
`,
  );
  const created = await cli(['cloud', 'bucket', 'create', '-p', dir, '-y']);
  expect(created.code, created.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await bed?.stop();
});

describe('azure: a run whose Blob container is deleted while it runs', () => {
  it('says the push failed (the container, the fix) in one line and exits with the run\'s own code', async () => {
    const workspace = makeTempDir('handoff-azure-refused-ws-');
    const goOn = path.join(makeTempDir('handoff-azure-refused-flag-'), 'go-on');
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'handoff.js'), 'run', 'local', '-p', dir, '-w', workspace, '-a', '-e', `GO_ON=${goOn}`], {
      env: { ...process.env, ...bed.env, AWS_PROFILE: '', __VARS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    for (let i = 0; i < 600 && !text.includes('Task nap started'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(text).toContain('Task nap started');
    expect(await deleteContainer()).toBe(202);
    fs.writeFileSync(goOn, '');
    // The run's own exit code (it succeeded), not the push's error (2).
    expect(await exited, text).toBe(0);
    const failed = text.split('\n').filter((l) => l.includes('ERROR') && l.includes('Could not push the run\'s results to the store'));
    expect(failed, text).toHaveLength(1);
    expect(failed[0]).toContain('Blob container does not exist');
    expect(failed[0]).toContain(`handoff cloud bucket create -p ${dir}`);
    expect(failed[0]).toContain(`stay in the workspace ${workspace}`);
    expect(text).not.toContain('trying the push again');
    expect(text).not.toMatch(/^\s+at /m);
    expect(text).not.toContain(AZURITE_KEY);
    expect(fs.readFileSync(path.join(workspace, 'artifacts', 'out.txt'), 'utf8')).toBe('done\n');
    expect(fs.readdirSync(path.join(workspace, 'runs')).some((n) => n.endsWith('.json'))).toBe(true);
  }, 180_000);
});
