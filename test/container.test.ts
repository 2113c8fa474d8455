// Containers for real, with podman: build an example's image, prove no secret reaches a layer, run it against the
// local store and against AWS (moto), and push it to a registry on loopback and pull it back by digest.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findOnPath } from '../src/container/container-cli.js';
import { makeTempDir, repoRoot, type CliResult } from './helpers/cli.js';
import { findFreePort } from './helpers/free-port.js';
import { startMotoServer, type MotoServer } from './helpers/moto-server.js';

const execFileAsync = promisify(execFile);
const hasPodman = findOnPath('podman') !== undefined;
const suffix = crypto.randomBytes(4).toString('hex');
/** A repository of its own per test run, so runs never see each other's tags; removed afterwards. */
const namespace = `handoff-test-${suffix}`;
const SECRET = `container-secret-${crypto.randomBytes(8).toString('hex')}`;
const FILE_SECRET = `file-secret-${crypto.randomBytes(8).toString('hex')}`;

async function podman(args: string[], timeoutMs = 120_000): Promise<string> {
  const { stdout } = await execFileAsync('podman', args, { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs });
  return stdout;
}

/**
 * handoff's runnable package (bin/, dist/, package.json) copied once: the images are built from this copy, so a
 * rebuild of dist/ while the tests run cannot change the handoff layer between two builds. Running the copy also
 * proves the bundle needs no node_modules.
 */
let handoffCopy = '';
function snapshotHandoff(): string {
  if (!handoffCopy) {
    handoffCopy = path.join(makeTempDir('handoff-package-'), 'handoff');
    for (const name of ['bin', 'dist', 'package.json']) fs.cpSync(path.join(repoRoot, name), path.join(handoffCopy, name), { recursive: true });
  }
  return handoffCopy;
}

function handoff(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 300_000, onSpawn?: (child: ChildProcess) => void): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(snapshotHandoff(), 'bin', 'handoff.js'), '--container-provider', 'podman', ...args], {
      cwd: repoRoot,
      env: { ...process.env, HANDOFF_GRACE_SECONDS: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    onSpawn?.(child);
  });
}

function expectOk(result: CliResult): void {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
}

/** The exchange-rates example with secrets, a stray workspace and a .git folder beside it, under its own image name. */
function makeRatesProject(): string {
  const projectDir = path.join(makeTempDir('handoff-container-'), 'rates');
  fs.cpSync(path.join(repoRoot, 'examples', 'exchange-rates'), projectDir, { recursive: true });
  const yml = fs.readFileSync(path.join(projectDir, 'project.yml'), 'utf8').replace('container_image: exchange-rates', `container_image: ${namespace}/rates`);
  fs.writeFileSync(path.join(projectDir, 'project.yml'), yml.replace('resource_group: examples', `resource_group: ct${suffix}`));
  fs.mkdirSync(path.join(projectDir, '.secrets'));
  fs.writeFileSync(path.join(projectDir, '.secrets', 'dev_secrets.yml'), `- key: rates_token\n  value: ${SECRET}\n- key: service_account\n  file: account.json\n`);
  fs.writeFileSync(path.join(projectDir, '.secrets', 'account.json'), `{"key": "${FILE_SECRET}"}`);
  for (const dir of ['workspace/artifacts', 'workspace/runs', '.git']) fs.mkdirSync(path.join(projectDir, dir), { recursive: true });
  fs.writeFileSync(path.join(projectDir, 'workspace', 'artifacts', 'leftover.log'), `token=${SECRET}\n`);
  return projectDir;
}

/** Every file path of every layer of an image, and whether any byte sequence of the saved image holds `needle`. */
async function inspectLayers(image: string, needles: string[]): Promise<{ paths: Set<string>; found: string[] }> {
  const dir = makeTempDir('handoff-image-');
  try {
    const archive = path.join(dir, 'image.tar');
    await podman(['save', '--format', 'docker-archive', '-o', archive, image]);
    // docker-archive layers are plain tars, so a secret's bytes would appear as they are.
    const bytes = fs.readFileSync(archive);
    const found = needles.filter((n) => bytes.includes(Buffer.from(n)));
    await execFileAsync('tar', ['-xf', archive, '-C', dir]);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { Layers: string[] }[];
    const paths = new Set<string>();
    for (const layer of manifest[0]!.Layers) {
      const { stdout } = await execFileAsync('tar', ['-tf', path.join(dir, layer)], { maxBuffer: 256 * 1024 * 1024 });
      for (const line of stdout.split('\n')) if (line) paths.add(line.replace(/^\.\//, '').replace(/\/$/, ''));
    }
    return { paths, found };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A docker-registry on loopback (plain HTTP), answering once this resolves. */
async function startRegistry(): Promise<{ registry: ChildProcess; port: number }> {
  const port = await findFreePort();
  const dir = makeTempDir('handoff-registry-');
  fs.writeFileSync(
    path.join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const registry = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.ok).catch(() => false);
    if (up) return { registry, port };
    await new Promise((r) => setTimeout(r, 100));
  }
  registry.kill('SIGTERM');
  throw new Error('docker-registry did not start');
}

afterAll(async () => {
  if (!hasPodman) return;
  // By id: an image pulled by digest has no tag to name it by.
  const listed = await podman(['images', '--format', '{{.ID}} {{.Repository}}']).catch(() => '');
  const ours = new Set(listed.split('\n').filter((line) => line.includes(namespace)).map((line) => line.split(' ')[0]!));
  if (ours.size > 0) await podman(['rmi', '-f', ...ours]).catch(() => undefined);
});

describe.skipIf(!hasPodman)('container build, run and push with podman', () => {
  let ratesDir = '';
  let firstBuild: CliResult;
  const rates = `${namespace}/rates`;

  beforeAll(async () => {
    // The offline base: built once per machine (about a minute), then reused (the script skips an existing image).
    const base = await execFileAsync('bash', [path.join(repoRoot, 'scripts', 'container-base.sh')], { timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
    expect(base.stdout.trim()).toBe('localhost/handoff-base:bookworm-node20-r1');
    ratesDir = makeRatesProject();
    firstBuild = await handoff(['container', 'build', '-p', ratesDir]);
  }, 900_000);

  it('builds <container_image>:0.1 from the offline base, showing each step, with the venvs installed at build time', () => {
    expectOk(firstBuild);
    expect(parse(firstBuild.stdout)).toMatchObject({ image: `${rates}:0.1`, base_image: 'localhost/handoff-base:bookworm-node20-r1', container_provider: 'podman' });
    expect(firstBuild.stderr).toMatch(/Step 1\/\d+: FROM localhost\/handoff-base:bookworm-node20-r1/);
    expect(firstBuild.stderr).toContain('Successfully installed tap-rates');
    expect(firstBuild.stderr).toContain('Left out of the image: .secrets (secrets are never put in an image)');
    expect(firstBuild.stderr).toContain('Left out of the image: workspace (a handoff workspace)');
  });

  it('puts no file of .secrets/, no secret value and no stray workspace in any layer', async () => {
    const { paths, found } = await inspectLayers(`${rates}:0.1`, [SECRET, FILE_SECRET]);
    // The listing works: handoff, the project and the venvs are there.
    for (const expected of ['opt/handoff/dist/handoff.js', 'opt/handoff/bin/handoff.js', 'project/project.yml', 'project/files/rates.csv', 'workspace/tap/bin/tap-rates', 'workspace/target/bin/target-csv']) {
      expect(paths, expected).toContain(expected);
    }
    expect([...paths].filter((p) => p.split('/').includes('.secrets'))).toEqual([]);
    expect([...paths].filter((p) => p.startsWith('project/workspace') || p.startsWith('project/.git'))).toEqual([]);
    expect(found).toEqual([]);
  });

  it('runs the pipeline inside the image with its own handoff bundle and venvs (run local)', async () => {
    const out = await podman(['run', '--rm', '--entrypoint', 'sh', `${rates}:0.1`, '-c', 'handoff run local -p /project -w /workspace 2>/dev/null && cat /workspace/artifacts/exchange_rate.csv']);
    const rows = out.trim().split(/\r?\n/);
    expect(rows[0]).toBe('date,base,USD,EUR,GBP,JPY');
    expect(rows.length).toBeGreaterThan(10);
    // As a cloud may run it, as a user other than root: the workspace is writable and the image's venvs are used.
    const asUser = await podman(['run', '--rm', '--user', '1000:1000', '--entrypoint', 'sh', `${rates}:0.1`, '-c', 'handoff run local -p /project -w /workspace 2>&1 && head -1 /workspace/artifacts/exchange_rate.csv']);
    expect(asUser).toContain('date,base,USD,EUR,GBP,JPY');
    expect(asUser).not.toMatch(/Creating venv|Successfully installed/);
    // tini is PID 1 (signals reach handoff, orphans are reaped), handoff the default command.
    const pid1 = await podman(['run', '--rm', `${rates}:0.1`, '--version']);
    expect(pid1.trim()).toBe(JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version);
    const config = JSON.parse(await podman(['image', 'inspect', '--format', '{{json .Config}}', `${rates}:0.1`])) as { Entrypoint: string[]; Cmd: string[] };
    expect(config.Entrypoint).toEqual(['tini', '--', 'handoff']);
    expect(config.Cmd).toEqual(['run', '-p', '/project', '-w', '/workspace', '-a']);
  });

  it('tags the next version on a rebuild, reusing every install layer when only a task or a file no install names changed', async () => {
    const file = path.join(ratesDir, 'project.yml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('description: rates to artifacts', 'description: exchange rates to artifacts'));
    // The installs name files/tap_rates and files/target_csv only: the rest of files/ comes after their layers.
    fs.writeFileSync(path.join(ratesDir, 'files', 'query.sql'), 'select 2 -- v2\n');
    const again = await handoff(['container', 'build', '-p', ratesDir]);
    expectOk(again);
    expect(parse(again.stdout)).toMatchObject({ image: `${rates}:0.2` });
    const lines = again.stderr.split('\n');
    const installSteps = lines.flatMap((line, i) => (/Step \d+\/\d+: RUN handoff workspace install/.test(line) ? [i] : []));
    expect(installSteps).toHaveLength(2);
    for (const i of installSteps) expect(lines[i + 1]).toContain('Using cache');
    expect(again.stderr).not.toContain('Successfully installed');
    expect((await podman(['images', '--format', '{{.Tag}}', `localhost/${rates}`])).split('\n').filter(Boolean).sort()).toEqual(['0.1', '0.2']);
  });

  it('container run runs the image against the local store: artifacts and the run record arrive there', async () => {
    const home = makeTempDir('handoff-home-');
    const env = { HANDOFF_HOME: home };
    expectOk(await handoff(['cloud', 'bucket', 'create', '-p', ratesDir], env));
    expectOk(await handoff(['project', 'push', '-p', ratesDir, '-y'], env));
    // __VARS is evaluated inside the container at run time: `$(echo …)` runs there.
    // An -e pair reaches the container only: a CONTAINERS_CONF that does not exist would stop podman itself.
    const run = await handoff(['container', 'run', '-p', ratesDir, '-l', 'debug', '-e', '__VARS=end_date=$(echo 2024-01-05)', '-e', 'CONTAINERS_CONF=/nonexistent/containers.conf'], env);
    expectOk(run);
    expect(run.stderr).toContain(`Running ${rates}:0.2 with podman (local store, stage dev)`);
    const taskDir = path.join(home, 'buckets', `handoff-dev-ct${suffix}`, 'exchange-rates');
    const csv = fs.readFileSync(path.join(taskDir, 'artifacts', 'last', 'exchange_rate.csv'), 'utf8').trim().split(/\r?\n/);
    expect(csv).toHaveLength(1 + 5);
    expect(csv[5]).toMatch(/^2024-01-05,USD,/);
    const records = fs.readdirSync(path.join(taskDir, 'runs'));
    expect(records).toHaveLength(1);
    expect(JSON.parse(fs.readFileSync(path.join(taskDir, 'runs', records[0]!), 'utf8'))).toMatchObject({ status: 'succeeded' });
    // The store is mounted, the project folder and its .secrets/ never are; secret values are passed by name only.
    const command = run.stderr.split('\n').find((l) => l.includes('podman run --rm')) ?? '';
    expect(command).toContain(`-v ${home}:/handoff-home`);
    expect(command).not.toContain(ratesDir);
    expect(command).toContain('--env-file');
    expect(command).not.toContain('2024-01-05');
    expect(run.stdout + run.stderr).not.toContain(SECRET);
  });

  it('container run relays SIGTERM through tini to handoff, which stops the run and records it as interrupted', async () => {
    const home = makeTempDir('handoff-home-');
    const env = { HANDOFF_HOME: home };
    const projectDir = path.join(makeTempDir('handoff-container-'), 'sleeper');
    fs.mkdirSync(projectDir);
    fs.writeFileSync(
      path.join(projectDir, 'project.yml'),
      `tasks:\n  - name: wait\n    commands:\n      - command: sleep\n        args: "300"\ndeploy:\n  cloud_provider: local\n  resource_group: ct${suffix}\n  task: sleeper\n  container_image: ${namespace}/sleeper\n`,
    );
    expectOk(await handoff(['container', 'build', '-p', projectDir], env));
    expectOk(await handoff(['cloud', 'bucket', 'create', '-p', projectDir], env));
    expectOk(await handoff(['project', 'push', '-p', projectDir, '-y'], env));
    let sent = false;
    const run = await handoff(['container', 'run', '-p', projectDir], env, 120_000, (child) => {
      child.stderr?.on('data', (d: Buffer) => {
        if (!sent && d.toString().includes('Task wait started')) {
          sent = true;
          child.kill('SIGTERM');
        }
      });
    });
    expect(sent, run.stderr).toBe(true);
    expect(run.code, run.stderr).toBe(143);
    expect(run.stderr).toContain('Received SIGTERM');
    const runsDir = path.join(home, 'buckets', `handoff-dev-ct${suffix}`, 'sleeper', 'runs');
    const [record] = fs.readdirSync(runsDir);
    expect(JSON.parse(fs.readFileSync(path.join(runsDir, record!), 'utf8'))).toMatchObject({ status: 'interrupted' });
  });

  describe('container push to a registry on loopback', () => {
    let registry: ChildProcess | undefined;
    let port = 0;

    beforeAll(async () => {
      ({ registry, port } = await startRegistry());
    });

    afterAll(() => {
      registry?.kill('SIGTERM');
    });

    it('pushes <registry>/<name>:<version> and the same image comes back by digest', async () => {
      const file = path.join(ratesDir, 'project.yml');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('  container_image:', `  image_domain: 127.0.0.1:${port}\n  container_image:`));
      const pushed = await handoff(['container', 'push', '-p', ratesDir, '--json']);
      expectOk(pushed);
      const result = JSON.parse(pushed.stdout) as { pushed: string; digest: string; registry: string };
      expect(result.pushed).toBe(`127.0.0.1:${port}/${rates}:0.2`);
      expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      const tags = (await (await fetch(`http://127.0.0.1:${port}/v2/${rates}/tags/list`)).json()) as { tags: string[] };
      expect(tags.tags).toEqual(['0.2']);

      const byDigest = `127.0.0.1:${port}/${rates}@${result.digest}`;
      await podman(['pull', '--tls-verify=false', byDigest]);
      const pulledId = (await podman(['image', 'inspect', '--format', '{{.Id}}', byDigest])).trim();
      const builtId = (await podman(['image', 'inspect', '--format', '{{.Id}}', `${rates}:0.2`])).trim();
      expect(pulledId).toBe(builtId);
    });
  });
});

describe.skipIf(!hasPodman)('container push and run use only images built from this project', () => {
  // Two clients' projects, same image name (the task's): beta builds after acme, so beta's image is the highest tag.
  const image = `${namespace}/sync`;
  let registry: ChildProcess | undefined;
  let port = 0;
  const dirs: Record<string, string> = {};

  function makeClientProject(client: string): string {
    const dir = path.join(makeTempDir(`handoff-${client}-`), client);
    fs.mkdirSync(path.join(dir, 'files'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'files', 'client.txt'), `this is ${client}'s code\n`);
    fs.writeFileSync(
      path.join(dir, 'project.yml'),
      `tasks:\n  - name: show\n    commands:\n      - command: cat files/client.txt\ndeploy:\n  resource_group: ${client}\n  task: sync\n  container_image: ${image}\n  image_domain: 127.0.0.1:${port}\n`,
    );
    return dir;
  }

  beforeAll(async () => {
    await execFileAsync('bash', [path.join(repoRoot, 'scripts', 'container-base.sh')], { timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
    ({ registry, port } = await startRegistry());
    for (const client of ['acme', 'beta', 'gamma']) dirs[client] = makeClientProject(client);
    expectOk(await handoff(['container', 'build', '-p', dirs.acme!]));
    expectOk(await handoff(['container', 'build', '-p', dirs.beta!]));
  }, 900_000);

  afterAll(() => {
    registry?.kill('SIGTERM');
  });

  it("pushes acme's own highest version, passing over beta's higher one with a warning", async () => {
    const pushed = await handoff(['container', 'push', '-p', dirs.acme!, '--json']);
    expectOk(pushed);
    expect((JSON.parse(pushed.stdout) as { pushed: string }).pushed).toBe(`127.0.0.1:${port}/${image}:0.1`);
    expect(pushed.stderr).toMatch(new RegExp(`passed over: ${image}:0\\.2 \\(project beta/sync`));
    const label = (await podman(['image', 'inspect', '--format', '{{index .Config.Labels "io.handoff.project"}}', `${image}:0.1`])).trim();
    expect(label).toMatch(/^acme\/sync@[0-9a-f]{12}$/);
  });

  it('refuses push and run (exit 2, nothing pushed or started) for a project none of whose images is here', async () => {
    for (const command of ['push', 'run']) {
      const result = await handoff(['container', command, '-p', dirs.gamma!]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`no local image of ${image} was built from this project (gamma/sync`);
      expect(result.stderr).toContain(`handoff container build -p ${dirs.gamma}`);
    }
    const tags = (await (await fetch(`http://127.0.0.1:${port}/v2/${image}/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags).toEqual(['0.1']);
  });
});

describe.skipIf(!hasPodman)('container run against AWS (moto)', () => {
  let moto: MotoServer;
  const TOKEN = `aws-token-${crypto.randomBytes(8).toString('hex')}`;
  let projectDir = '';

  beforeAll(async () => {
    moto = await startMotoServer();
    projectDir = path.join(makeTempDir('handoff-container-aws-'), 'token');
    fs.mkdirSync(path.join(projectDir, '.secrets'), { recursive: true });
    fs.writeFileSync(
      path.join(projectDir, 'project.yml'),
      `envs:
  - key: API_TOKEN
tasks:
  - name: prove_token
    commands:
      - command: sh
        args: -c 'printf %s "$API_TOKEN" | sha256sum | cut -d" " -f1 > artifacts/token.sha256'
deploy:
  cloud_provider: aws
  resource_group: ct${suffix}
  task: token
  container_image: ${namespace}/token
`,
    );
    fs.writeFileSync(path.join(projectDir, '.secrets', 'dev_secrets.yml'), `- key: API_TOKEN\n  value: ${TOKEN}\n`);
  }, 120_000);

  afterAll(async () => {
    await moto?.stop();
  });

  it('ECR: creates the repository once with immutable tags, and decodes the registry login', async () => {
    Object.assign(process.env, moto.env, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
    const { resolveAwsClientConfig } = await import('../src/providers/aws/sdk/aws-client-config.js');
    const { ensureEcrRepository, getEcrLogin } = await import('../src/providers/aws/sdk/ecr.js');
    const config = await resolveAwsClientConfig();
    const name = `${namespace}/token`;
    const first = await ensureEcrRepository(config, name);
    expect(first).toMatchObject({ name, created: true, tagMutability: 'IMMUTABLE' });
    expect(first.uri).toBe(`123456789012.dkr.ecr.us-east-1.amazonaws.com/${name}`);
    const again = await ensureEcrRepository(config, name);
    expect(again).toMatchObject({ uri: first.uri, created: false, tagMutability: 'IMMUTABLE' });
    const login = await getEcrLogin(config);
    expect(login.registry).toBe('123456789012.dkr.ecr.us-east-1.amazonaws.com');
    expect(login.username).toBe('AWS');
    expect(login.password.length).toBeGreaterThan(0);
  });

  it('passes credentials, region and AWS_ENDPOINT_URL; the run reads its secret from SSM and pushes to S3', async () => {
    const env = { ...moto.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    expectOk(await handoff(['container', 'build', '-p', projectDir], env));
    expectOk(await handoff(['cloud', 'bucket', 'create', '-p', projectDir], env));
    expectOk(await handoff(['project', 'push', '-p', projectDir, '-y'], env));
    const run = await handoff(['container', 'run', '-p', projectDir, '-l', 'debug'], env);
    expectOk(run);
    expect(run.stderr).toContain('AWS_ENDPOINT_URL is on this machine, so the container shares the host network');
    const command = run.stderr.split('\n').find((l) => l.includes('podman run --rm')) ?? '';
    expect(command).toContain('-e AWS_SECRET_ACCESS_KEY ');
    expect(command).not.toContain('testing');

    const { S3Client, ListObjectsV2Command, GetObjectCommand } = await import('@aws-sdk/client-s3');
    const s3 = new S3Client({ endpoint: moto.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const bucket = `handoff-dev-ct${suffix}-${crypto.createHash('md5').update('123456789012').digest('hex').slice(-8)}`;
    const sha = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'token/artifacts/last/token.sha256' }))).Body!.transformToString();
    expect(sha.trim()).toBe(crypto.createHash('sha256').update(TOKEN).digest('hex'));
    const runs = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'token/runs/' }));
    expect(runs.Contents ?? []).toHaveLength(1);
    s3.destroy();
    const { found } = await inspectLayers(`${namespace}/token:0.1`, [TOKEN]);
    expect(found).toEqual([]);
    // A build, a push and a container run in one test: 50 s alone here, over 60 s beside other podman jobs.
  }, 150_000);
});
