// Test helpers: run the built CLI as a real subprocess, make throwaway projects, and find leftover processes.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cliPath = path.join(repoRoot, 'bin', 'handoff.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called once the CLI has started, e.g. to send it a signal later. */
  onSpawn?: (child: ChildProcess) => void;
  timeoutMs?: number;
  /** Options for node itself, before the CLI's path (e.g. `--trace-opt`). */
  nodeOptions?: string[];
}

/** Runs `handoff <args>` and collects its output. A marker in its environment lets tests find its descendants. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeOptions ?? []), cliPath, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, HANDOFF_GRACE_SECONDS: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    options.onSpawn?.(child);
  });
}

/** A fresh temporary folder, removed by the OS eventually; tests may remove it themselves. */
export function makeTempDir(prefix = 'handoff-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes a project folder: project.yml plus any files (paths relative to the project). */
export function makeProject(projectYml: string, files: Record<string, string | Buffer> = {}): { projectDir: string; workspaceDir: string } {
  const root = makeTempDir();
  const projectDir = path.join(root, 'project');
  const workspaceDir = path.join(root, 'workspace');
  fs.mkdirSync(projectDir, { recursive: true });
  fs.writeFileSync(path.join(projectDir, 'project.yml'), projectYml);
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(projectDir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  return { projectDir, workspaceDir };
}

export function newMarker(): string {
  return `handoff-test-${crypto.randomBytes(6).toString('hex')}`;
}

/** Pids of live processes whose environment holds `HANDOFF_TEST_MARKER=<marker>` (every descendant inherits it). */
export function processesWithMarker(marker: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = fs.readFileSync(`/proc/${entry}/environ`);
      if (!environ.includes(`HANDOFF_TEST_MARKER=${marker}`)) continue;
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Zombies are already dead; they only wait to be reaped.
      if (/^\d+ \(.*\) Z/.test(stat)) continue;
      found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

export function readArtifact(workspaceDir: string, name: string): string {
  return fs.readFileSync(path.join(workspaceDir, 'artifacts', name), 'utf8');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until `check` returns true or the time runs out (for waiting on real processes, not for asserting timings). */
export async function waitFor(check: () => boolean, timeoutMs = 20_000, stepMs = 50): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await sleep(stepMs);
  }
}
