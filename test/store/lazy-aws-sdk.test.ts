// The AWS SDK is loaded only when the aws provider is chosen: not by --help, run local, or the local provider.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cliPath, makeProject, makeTempDir, repoRoot } from '../helpers/cli.js';

const hook = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'record-modules.mjs');

/** Runs the built CLI with a loader hook and returns the files of dist/ it loaded. */
function runRecorded(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; loaded: string[]; stderr: string }> {
  const log = path.join(makeTempDir(), 'modules.log');
  fs.writeFileSync(log, '');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', hook, cliPath, ...args], {
      cwd: repoRoot,
      env: { ...process.env, HANDOFF_TEST_MODULE_LOG: log, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    child.on('close', (code) => {
      const urls = fs.readFileSync(log, 'utf8').split('\n').filter((u) => u.startsWith('file:'));
      const loaded = [...new Set(urls.map((u) => fileURLToPath(u)).filter((f) => f.startsWith(path.join(repoRoot, 'dist'))))];
      resolve({ code, loaded, stderr });
    });
  });
}

/**
 * Which loaded bundle files hold AWS SDK code, by their source maps: esbuild lists every bundled source, so a chunk
 * built from node_modules/@aws-sdk names it there.
 */
function filesWithAwsSdk(files: string[]): string[] {
  return files.filter((file) => {
    const map = `${file}.map`;
    if (!fs.existsSync(map)) return false;
    const sources = (JSON.parse(fs.readFileSync(map, 'utf8')) as { sources: string[] }).sources;
    return sources.some((s) => s.includes('node_modules/@aws-sdk/'));
  });
}

describe('lazy loading of the AWS SDK', () => {
  it('--help loads no bundle file with AWS SDK code', async () => {
    for (const args of [['--help'], ['run', '--help'], ['secrets', 'push', '--help'], ['cloud', 'bucket', '--help']]) {
      const result = await runRecorded(args);
      expect(result.code, result.stderr).toBe(0);
      expect(result.loaded).toContain(path.join(repoRoot, 'dist', 'handoff.js'));
      expect(filesWithAwsSdk(result.loaded), args.join(' ')).toEqual([]);
    }
  });

  it('run local and the local provider load no AWS SDK code', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n  - name: hello\n    commands:\n      - command: echo\n        args: hi\n');
    const run = await runRecorded(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.loaded.length).toBeGreaterThan(1);
    expect(filesWithAwsSdk(run.loaded)).toEqual([]);

    const local = await runRecorded(['cloud', 'bucket', 'status', '-e', 'resource_group=rg', 'task=t'], { HANDOFF_HOME: makeTempDir() });
    expect(local.code, local.stderr).toBe(0);
    expect(filesWithAwsSdk(local.loaded)).toEqual([]);
  });

  it('the aws provider does load it (the check above can see SDK code when it is there)', async () => {
    const aws = await runRecorded(['cloud', 'bucket', 'status', '--cloud-provider', 'aws', '-e', 'resource_group=rg', 'task=t'], {
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_PROFILE: '',
    });
    expect(aws.code).toBe(2);
    expect(aws.stderr).toContain('no AWS region is set');
    expect(filesWithAwsSdk(aws.loaded).length).toBeGreaterThan(0);
  });
});
