// The azure provider's store end to end: Blob container in Azurite, secrets in the emulated Key Vault, run from the store twice.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeTempDir } from '../helpers/cli.js';
import { DB_PASSWORD, expectNoSecretIn, JINJA_SECRET, makeStoreProject, readJsonFiles, RESOURCE_GROUP, runWith, TASK, TOKEN } from '../store/store-scenario.js';
import { startAzureTestbed, type AzureTestbed } from './azure-testbed.js';

let bed: AzureTestbed;
let projectDir = '';

beforeAll(async () => {
  bed = await startAzureTestbed();
  projectDir = makeStoreProject().projectDir;
  const file = path.join(projectDir, 'project.yml');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('  cloud_provider: local\n', `${bed.deployKeys()}\n`));
}, 60_000);

afterAll(async () => {
  await bed?.stop();
});

describe('azure provider against Azurite and the emulator: project push, then run from Blob storage and Key Vault', () => {
  let consoleText = '';

  it('creates the store: Azure resource group, Blob container, Key Vault and the deployer\'s data roles', async () => {
    const created = await runWith(bed.env, ['cloud', 'bucket', 'create', '-p', projectDir]);
    consoleText += created.stdout + created.stderr;
    expect(created.code, created.stderr).toBe(0);
    expect(parse(created.stdout)).toMatchObject({ action: 'created' });
    const again = await runWith(bed.env, ['cloud', 'bucket', 'create', '-p', projectDir]);
    expect(again.code, again.stderr).toBe(0);
    expect(parse(again.stdout)).toMatchObject({ action: 'unchanged' });
  });

  it('pushes the project: config and files to the container, secrets to Key Vault', async () => {
    const pushed = await runWith(bed.env, ['project', 'push', '-p', projectDir, '-y']);
    consoleText += pushed.stdout + pushed.stderr;
    expect(pushed.code, pushed.stderr).toBe(0);
  });

  it('runs from the store into a fresh workspace', async () => {
    const workspace = path.join(makeTempDir(), 'ws');
    const run = await runWith({ ...bed.env, __VARS: 'start=$(echo 2024-03-0$((2 + 1))) label=cloud' }, ['run', '-p', projectDir, '-w', workspace, '-a']);
    consoleText += run.stdout + run.stderr;
    expect(run.code, run.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspace, 'files', 'config.ini'), 'utf8')).toBe(`password=${DB_PASSWORD}\njinja=${JINJA_SECRET}\nstage=dev\n`);
    expect(fs.readFileSync(path.join(workspace, 'artifacts', 'hello.txt'), 'utf8')).toBe('hello from an executable\n');
    expect(run.stderr).toContain('debug token=***');
    expectNoSecretIn(readJsonFiles(path.join(workspace, 'runs')));
  });

  it('never printed a secret value to the console', () => {
    expect(consoleText).not.toContain(TOKEN);
    expectNoSecretIn(consoleText);
    expect(RESOURCE_GROUP && TASK).toBeTruthy();
  });
});
