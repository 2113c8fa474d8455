// Test helper: starts moto's AWS emulator on a free loopback port for a test file, and the env that points the CLI at it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { findFreePort } from './free-port.js';

/**
 * Where moto may be: the python3 on PATH (what .ci/install-test-deps.sh installs it into), then this machine's pinned
 * pyenv install, which has it even when PATH's python3 is Debian's own.
 */
const PYTHON_CANDIDATES = ['python3', '/root/.pyenv/versions/3.11.7/bin/python3'];

let pickedPython: string | undefined;

export interface MotoServer {
  url: string;
  port: number;
  /** Environment for the CLI and the SDK: endpoint, region and fake credentials (moto accepts any). */
  env: Record<string, string>;
  /** Forgets every resource (moto's reset API), so tests do not see each other's buckets and parameters. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The first candidate that imports moto, as its real interpreter (sys.executable), not a pyenv shim: the pid we stop is
 * then the server's own. None is a clear error, not "moto exited with 1" from every AWS test.
 */
function pickPython(): string {
  if (pickedPython) return pickedPython;
  for (const candidate of PYTHON_CANDIDATES) {
    if (candidate.startsWith('/') && !fs.existsSync(candidate)) continue;
    const probe = spawnSync(candidate, ['-c', 'import moto, boto3, sys; print(sys.executable)'], { encoding: 'utf8' });
    if (probe.status === 0 && probe.stdout.trim()) return (pickedPython = probe.stdout.trim());
  }
  throw new Error(
    `no python3 here can import moto and boto3 (tried ${PYTHON_CANDIDATES.join(', ')}): the AWS tests run moto_server. ` +
      "Run `bash .ci/install-test-deps.sh` (it installs 'moto[server]>=5,<6' into the python3 on PATH), or put a python3 that has moto first on PATH.",
  );
}

async function waitUntilUp(url: string, child: ChildProcess, output: () => string, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`moto exited with ${child.exitCode} before it was up:\n${output()}`);
    try {
      const response = await fetch(`${url}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto did not answer at ${url} within ${timeoutMs} ms:\n${output()}`);
}

/**
 * One call of AWS's Python SDK (boto3, which moto itself depends on) against the emulator, for services the
 * JavaScript SDK clients of this project do not include (EventBridge); the response as JSON.
 */
export function callBoto3(moto: MotoServer, input: { service: string; operation: string; params?: Record<string, unknown>; region?: string }): Record<string, unknown> {
  const script = [
    'import boto3, json, sys',
    'a = json.loads(sys.argv[1])',
    "c = boto3.client(a['service'], region_name=a['region'], endpoint_url=a['url'], aws_access_key_id='testing', aws_secret_access_key='testing')",
    "r = getattr(c, a['operation'])(**a['params'])",
    "r.pop('ResponseMetadata', None)",
    'print(json.dumps(r, default=str))',
  ].join('\n');
  const args = JSON.stringify({ ...input, params: input.params ?? {}, region: input.region ?? 'us-east-1', url: moto.url });
  const result = spawnSync(pickPython(), ['-c', script, args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`boto3 ${input.service}.${input.operation} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

/** Starts `python3 -m moto.server -H 127.0.0.1 -p <free port>` and waits until it answers. */
export async function startMotoServer(): Promise<MotoServer> {
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(pickPython(), ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  try {
    await waitUntilUp(url, child, () => log);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    port,
    env: {
      AWS_ENDPOINT_URL: url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_SESSION_TOKEN: 'testing',
      // No instance-metadata lookups (they would wait for timeouts off EC2) and no user config from this machine.
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
      HANDOFF_AWS_POLL_MS: '100',
    },
    async reset() {
      await fetch(`${url}/moto-api/reset`, { method: 'POST' });
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      });
    },
  };
}
