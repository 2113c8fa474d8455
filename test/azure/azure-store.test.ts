// The azure provider's store end to end: Blob container in Azurite, secrets in the emulated Key Vault, run from the store twice.
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
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

  it('a second run, with --cloud-provider azure on a project that otherwise runs locally, sees the first run\'s state', async () => {
    const local = path.join(makeTempDir(), 'local-copy');
    fs.cpSync(projectDir, local, { recursive: true });
    const file = path.join(local, 'project.yml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('  cloud_provider: azure\n', '  cloud_provider: local\n'));
    const workspace = path.join(makeTempDir(), 'ws');
    const run = await runWith({ ...bed.env, __VARS: 'start=x label=y' }, ['--cloud-provider', 'azure', 'run', '-p', local, '-w', workspace, '-a']);
    consoleText += run.stdout + run.stderr;
    expect(run.code, run.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspace, 'artifacts', 'state.json'), 'utf8').trim()).toBe('{"runs": 2}');
  });

  it('secrets print lists keys, levels and their Key Vault secrets, values masked', async () => {
    const printed = await runWith(bed.env, ['secrets', 'print', '-p', projectDir]);
    consoleText += printed.stdout + printed.stderr;
    expect(printed.code, printed.stderr).toBe(0);
    const list = parse(printed.stdout) as { key: string; level: string; where: string; value: string }[];
    expect(list).toContainEqual({ key: 'db_password', level: 'resource group', where: expect.stringMatching(/^keyvault:kv-[0-9a-f]{8}\/secrets\/handoff-dev-store-test-[0-9a-f]{8} \(key db_password\)$/), value: '***' });
    expect(list.map((s) => s.key).sort()).toEqual(['API_TOKEN', 'db_password', 'jinja_secret']);
  });

  it('keeps each secret path in one Key Vault secret, as JSON, the {{ }} escaped as on SSM', () => {
    const vault = `kv-${bed.emulator.subscriptionId.slice(0, 8)}`;
    const names = bed.emulator.requests.filter((r) => r.method === 'PUT' && r.path.startsWith(`/keyvault/${vault}/secrets/`)).map((r) => r.path.split('/').pop()!);
    const task = names.find((n) => /^handoff-dev-store-test-pipeline-[0-9a-f]{8}$/.test(n))!;
    expect(JSON.parse(bed.emulator.secretValue(vault, task)!)).toEqual({ API_TOKEN: TOKEN, jinja_secret: 'left \\{\\{ braces \\}\\} right' });
  });

  it('refuses an empty secret before writing, and a push removes the task\'s secret the secrets file dropped (the shared code of every store)', async () => {
    const file = path.join(projectDir, '.secrets', 'dev_secrets.yml');
    const original = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, `${original}- key: EMPTY_ONE\n  value: ""\n`);
    const empty = await runWith(bed.env, ['secrets', 'push', '-p', projectDir, '-y']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('secret "EMPTY_ONE"');
    expect(empty.stderr).toContain('is empty');
    fs.writeFileSync(file, original.replace(/- key: jinja_secret\n  value: .*\n/, ''));
    const pushed = await runWith(bed.env, ['project', 'push', '-p', projectDir, '-y']);
    consoleText += pushed.stdout + pushed.stderr;
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stderr).toMatch(/- jinja_secret \(task level\) -> .* REMOVE from the store \(not in the secrets file\)/);
    const vault = `kv-${bed.emulator.subscriptionId.slice(0, 8)}`;
    const names = bed.emulator.requests.filter((r) => r.method === 'PUT' && r.path.startsWith(`/keyvault/${vault}/secrets/`)).map((r) => r.path.split('/').pop()!);
    const task = names.find((n) => /^handoff-dev-store-test-pipeline-[0-9a-f]{8}$/.test(n))!;
    expect(JSON.parse(bed.emulator.secretValue(vault, task)!)).toEqual({ API_TOKEN: TOKEN });
    // Key Vault keeps every version: the older ones, which still hold the removed key's value, are disabled (Update
    // Secret, attributes.enabled = false), so only the version just written can be read.
    const versions = bed.emulator.secretVersions(vault, task);
    expect(versions.length).toBeGreaterThan(1);
    expect(versions.map((v) => v.enabled)).toEqual([...versions.slice(1).map(() => false), true]);
    expect(versions.filter((v) => v.enabled && v.value.includes('braces'))).toEqual([]);
    const disabled = bed.emulator.requests.filter((r) => r.method === 'PATCH' && r.path.startsWith(`/keyvault/${vault}/secrets/${task}/`));
    expect(disabled.map((r) => [r.path.split('/').pop(), r.body])).toEqual(versions.slice(0, -1).map((v) => [v.version, { attributes: { enabled: false } }]));
    // Read as a run reads (the latest) it is the new value; an older version by its id is refused (SecretDisabled).
    const older = await new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const request = https.get(`${bed.emulator.url}/keyvault/${vault}/secrets/${task}/${versions[0]!.version}?api-version=2025-07-01`, { ca: fs.readFileSync(bed.env.NODE_EXTRA_CA_CERTS!), headers: { authorization: `Bearer ${bed.emulator.deployerToken('https://vault.azure.net')}` } }, (response) => {
        let text = '';
        response.on('data', (d: Buffer) => (text += d.toString()));
        response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text) }));
      });
      request.on('error', reject);
    });
    expect(older).toMatchObject({ status: 403, body: { error: { code: 'Forbidden', innererror: { code: 'SecretDisabled' } } } });
  });

  it('a secrets push of values Key Vault already holds writes no new version, and says they are unchanged', async () => {
    const vault = `kv-${bed.emulator.subscriptionId.slice(0, 8)}`;
    const names = bed.emulator.requests.filter((r) => r.method === 'PUT' && r.path.startsWith(`/keyvault/${vault}/secrets/`)).map((r) => r.path.split('/').pop()!);
    const task = names.find((n) => /^handoff-dev-store-test-pipeline-[0-9a-f]{8}$/.test(n))!;
    const before = bed.emulator.secretVersions(vault, task).length;
    const again = await runWith(bed.env, ['secrets', 'push', '-p', projectDir, '-y']);
    consoleText += again.stdout + again.stderr;
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/- API_TOKEN \(task level\) -> .* UNCHANGED/);
    expect(again.stderr).toContain('unchanged: nothing was written');
    expect(bed.emulator.secretVersions(vault, task).length).toBe(before);
  });

  it('refuses secrets that would not fit in one Key Vault secret (25 KB) before anything is written, at the secrets file line, in plan and push', async () => {
    const file = path.join(projectDir, '.secrets', 'dev_secrets.yml');
    const original = fs.readFileSync(file, 'utf8');
    const lines = original.split('\n').length;
    fs.writeFileSync(file, `${original}- key: BIG1\n  value: ${'x'.repeat(15_000)}\n- key: BIG2\n  value: ${'y'.repeat(15_001)}\n`);
    const newFile = path.join(projectDir, 'files', 'not-pushed.txt');
    fs.writeFileSync(newFile, 'must not reach the store\n');
    const writes = (): number => bed.emulator.requests.filter((r) => r.method !== 'GET' && !r.path.includes('/oauth2/')).length;
    const before = writes();
    try {
      for (const args of [['cloud', 'plan', '-p', projectDir, '-v', 'version=0.1'], ['project', 'push', '-p', projectDir, '-y'], ['secrets', 'push', '-p', projectDir, '-y'], ['cloud', 'deploy', '-p', projectDir, '-v', 'version=0.1', '-y']]) {
        const result = await runWith(bed.env, args);
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
        expect(result.stderr).toMatch(/are kept together in the Key Vault secret handoff-dev-store-test-pipeline-[0-9a-f]{8} and would take \d+ bytes; a Key Vault secret holds at most 25600/);
        expect(result.stderr).toContain(`The largest pushed is BIG2 (${file}:${lines + 2}), 15001 bytes. Nothing was pushed`);
        expect(result.stdout + result.stderr).not.toContain('yyyyyyyyyy');
      }
      expect(writes()).toBe(before);
      const workspace = path.join(makeTempDir(), 'ws');
      const got = await runWith(bed.env, ['files', 'get', '-p', projectDir, '-w', workspace]);
      expect(got.code, got.stderr).toBe(0);
      expect(fs.existsSync(path.join(workspace, 'files', 'work.sh'))).toBe(true);
      expect(fs.existsSync(path.join(workspace, 'files', 'not-pushed.txt'))).toBe(false);
    } finally {
      fs.writeFileSync(file, original);
      fs.rmSync(newFile);
    }
  });

  it('an endpoint that does not answer and a registry name that does not resolve are exit 2 saying what could not be reached, not "a bug"', async () => {
    // A port nothing listens on: taken, then let go.
    const closed = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const down = `https://127.0.0.1:${closed}`;
    const cases: [Record<string, string>, string[], RegExp][] = [
      [{ HANDOFF_AZURE_ENDPOINT: down }, ['cloud', 'job', 'status', '-p', projectDir], new RegExp(`cannot reach Azure \\(ECONNREFUSED\\) while trying to list the Container Apps jobs of rg-handoff-test \\(HANDOFF_AZURE_ENDPOINT=${down}`)],
      [{ HANDOFF_AZURE_BLOB_ENDPOINT: `${down}/{account}` }, ['config', 'push', '-p', projectDir], /cannot reach Azure \(ECONNREFUSED\) while trying to .*HANDOFF_AZURE_BLOB_ENDPOINT=/],
    ];
    for (const [extra, args, message] of cases) {
      const result = await runWith({ ...bed.env, ...extra }, args);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain('a bug in handoff');
    }
    const file = path.join(projectDir, 'project.yml');
    const original = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, original.replace(/ {2}registry: .*\n/, '  registry: acmedatatypo.invalid\n'));
    try {
      const plan = await runWith(bed.env, ['cloud', 'plan', '-p', projectDir, '-v', 'version=0.1']);
      expect(plan.code, plan.stderr).toBe(2);
      expect(plan.stderr).toMatch(/cannot reach the registry acmedatatypo\.invalid \((ENOTFOUND|EAI_AGAIN)\)/);
      expect(plan.stderr).toContain('check deploy.registry');
    } finally {
      fs.writeFileSync(file, original);
    }
  });

  it('cloud task create before cloud bucket create or cloud resources create is refused before anything is created, naming the command to run first', async () => {
    const writes = (): number => bed.emulator.requests.filter((r) => r.method !== 'GET' && !r.path.includes('/oauth2/')).length;
    const fresh = path.join(makeTempDir(), 'fresh');
    fs.mkdirSync(fresh);
    fs.writeFileSync(path.join(fresh, 'project.yml'), fs.readFileSync(path.join(projectDir, 'project.yml'), 'utf8').replace(/resource_group: .*/, 'resource_group: thirteen'));
    const before = writes();
    const noStore = await runWith(bed.env, ['cloud', 'task', 'create', '-p', fresh, '-v', 'version=0.1', '-y']);
    expect(noStore.code, noStore.stderr).toBe(2);
    expect(noStore.stderr).toMatch(/the store \(Blob container handoff-dev-thirteen-[0-9a-f]{8} in devstoreaccount1, Key Vault kv-[0-9a-f]{8}\) does not exist yet/);
    expect(noStore.stderr).toContain('run `handoff cloud bucket create` and `handoff cloud resources create` first');
    // This project has its store (cloud bucket create above) but no environment.
    const noEnvironment = await runWith(bed.env, ['cloud', 'task', 'create', '-p', projectDir, '-v', 'version=0.1', '-y']);
    expect(noEnvironment.code, noEnvironment.stderr).toBe(2);
    expect(noEnvironment.stderr).toMatch(/the Container Apps environment handoff-dev-store-test does not exist yet, and the task's job runs in it; nothing was created/);
    expect(noEnvironment.stderr).toContain('run `handoff cloud resources create` first');
    expect(writes()).toBe(before);
  });

  it('a client secret Azure refuses is exit 2 with what Azure said, for store and deploy commands alike, and never printed', async () => {
    const refused = 'refused-client-secret-4e1d77';
    for (const args of [['config', 'push', '-p', projectDir], ['cloud', 'bucket', 'create', '-p', projectDir]]) {
      const result = await runWith({ ...bed.env, AZURE_CLIENT_SECRET: refused }, args);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain('Azure refused the credentials while trying to');
      expect(result.stderr).toContain('AADSTS7000215: Invalid client secret provided.');
      expect(result.stderr).not.toContain('a bug in handoff');
      expect(result.stdout + result.stderr).not.toContain(refused);
    }
  });

  it('gets config, files and artifacts back, deletes artifacts (archives stay), the project and its secrets, and keeps the container', async () => {
    const status = await runWith(bed.env, ['cloud', 'bucket', 'status', '-p', projectDir]);
    expect(status.code, status.stderr).toBe(0);
    const copy = path.join(makeTempDir(), 'ws');
    for (const what of ['config', 'files', 'artifacts']) {
      const got = await runWith(bed.env, [what, 'get', '-p', projectDir, '-w', copy]);
      consoleText += got.stdout + got.stderr;
      expect(got.code, `${what} get: ${got.stderr}`).toBe(0);
    }
    expect(fs.readFileSync(path.join(copy, 'artifacts', 'state.json'), 'utf8').trim()).toBe('{"runs": 2}');
    expect(fs.existsSync(path.join(copy, '.handoff', 'project', 'project.yml'))).toBe(true);

    expect((await runWith(bed.env, ['artifacts', 'delete', '-p', projectDir, '-y'])).code).toBe(0);
    const empty = path.join(makeTempDir(), 'ws');
    const none = await runWith(bed.env, ['artifacts', 'get', '-p', projectDir, '-w', empty]);
    expect(none.code, none.stderr).toBe(0);
    expect(fs.existsSync(path.join(empty, 'artifacts', 'state.json'))).toBe(false);

    const removed = await runWith(bed.env, ['project', 'delete', '-p', projectDir, '-y']);
    consoleText += removed.stdout + removed.stderr;
    expect(removed.code, removed.stderr).toBe(0);
    const gone = await runWith(bed.env, ['config', 'get', '-p', projectDir, '-w', path.join(makeTempDir(), 'ws')]);
    expect(gone.code).not.toBe(0);
    const secrets = await runWith(bed.env, ['secrets', 'print', '-p', projectDir]);
    expect((parse(secrets.stdout) as { key: string }[]).map((x) => x.key)).toEqual(['db_password']);

    const kept = await runWith(bed.env, ['cloud', 'bucket', 'delete', '-p', projectDir]);
    expect(kept.code, kept.stderr).toBe(0);
    expect(parse(kept.stdout)).toMatchObject({ action: 'retained' });
  });

  it('never printed a secret value to the console', () => {
    expect(consoleText).not.toContain(TOKEN);
    expectNoSecretIn(consoleText);
    expect(RESOURCE_GROUP && TASK).toBeTruthy();
  });
});
