// Test helper: Azurite's Blob service on a free loopback port, over HTTPS with OAuth, as the Azure SDK needs to send tokens.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/cli.js';
import { findFreePort } from '../helpers/free-port.js';
import type { LoopbackCertificate } from './emulator/certificate.js';

// Azurite's well-known development account (Azurite's README, "Default storage account").
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  /** `https://127.0.0.1:<port>/{account}`: path-style, as Azurite serves accounts on an IP address. */
  endpoint: string;
  stop(): Promise<void>;
}


/**
 * `azurite-blob --oauth basic` accepts bearer tokens (checking issuer, audience and lifetime, not the signature), and
 * only over HTTPS; `--skipApiVersionCheck` lets current SDKs talk to it; `--disableTelemetry` keeps it off the network.
 */
export async function startAzurite(certificate: LoopbackCertificate): Promise<Azurite> {
  const port = await findFreePort();
  const location = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-azurite-'));
  const bin = path.join(repoRoot, 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js');
  const args = [bin, '--blobHost', '127.0.0.1', '--blobPort', String(port), '--inMemoryPersistence', '--silent', '--skipApiVersionCheck', '--disableTelemetry', '--loose', '--oauth', 'basic', '--cert', certificate.certFile, '--key', certificate.keyFile];
  const child: ChildProcess = spawn(process.execPath, args, { cwd: location, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_EXTRA_CA_CERTS: certificate.caFile } });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`azurite exited with ${child.exitCode}:\n${output}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() - started > 30_000) throw new Error(`azurite did not listen on ${port}:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint: `https://127.0.0.1:${port}/{account}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(location, { recursive: true, force: true });
    },
  };
}
