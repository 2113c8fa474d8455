// Runs every example project under examples/ through the real CLI and checks the artifacts each one promises.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, makeTempDir, readArtifact, repoRoot, runCli } from './helpers/cli.js';

const example = (name: string): string => path.join(repoRoot, 'examples', name);

async function runExample(name: string, extra: string[] = [], workspaceDir = path.join(makeTempDir(), 'ws')) {
  const r = await runCli(['run', 'local', '-p', example(name), '-w', workspaceDir, ...extra]);
  return { ...r, workspaceDir };
}

describe('examples', () => {
  it('word-count counts the words of the text, most frequent first', async () => {
    const r = await runExample('word-count');
    expect(r.code).toBe(0);
    const lines = readArtifact(r.workspaceDir, 'word_count_stdout.log').split('\n');
    expect(lines[0].trim()).toBe('76 the');
    expect(lines[1].trim()).toBe('22 and');
  });

  it('vars-envs renders vars, envs, reserved variables and -v overrides into commands and files', async () => {
    const r = await runExample('vars-envs');
    expect(r.code).toBe(0);
    const greeting = readArtifact(r.workspaceDir, 'greeting.txt').split('\n');
    expect(greeting[0]).toBe('Hello, world!');
    expect(greeting[1]).toMatch(/^stage=dev today=\d{4}-\d{2}-\d{2}$/);
    expect(greeting[2]).toBe('title=Daily greeting report');
    const config = JSON.parse(readArtifact(r.workspaceDir, 'config.json'));
    expect(config).toMatchObject({ name: 'world', batch_size: 500, stage: 'dev', table: 'dev_greetings' });

    const over = await runExample('vars-envs', ['-s', 'prod', '-v', 'name=Alice', 'batch_size=1000']);
    expect(over.code).toBe(0);
    expect(readArtifact(over.workspaceDir, 'greeting.txt').split('\n')[0]).toBe('Hello, Alice!');
    expect(JSON.parse(readArtifact(over.workspaceDir, 'config.json'))).toMatchObject({ name: 'Alice', batch_size: 1000, stage: '', table: 'greetings' });
  });

  it('secrets-stages uses each stage\'s secrets and never prints their values', async () => {
    const dev = await runExample('secrets-stages');
    expect(dev.code).toBe(0);
    expect(JSON.parse(readArtifact(dev.workspaceDir, 'api_response.json'))).toEqual({ stage: 'dev', authorized: true, token_length: 18 });
    expect(readArtifact(dev.workspaceDir, 'config_check.txt')).toContain('service account project: demo-project-dev');
    expect(dev.stderr).toContain('debug: Authorization: Bearer ***');
    expect(readArtifact(dev.workspaceDir, 'call_api_stderr.log')).toContain('Bearer ***');
    for (const secret of ['demo-dev-token-123', 'demo-dev-db-password', 'http://localhost:8099/demo-dev-notify']) {
      expect(dev.stdout + dev.stderr).not.toContain(secret);
      expect(readArtifact(dev.workspaceDir, 'call_api_stderr.log')).not.toContain(secret);
    }
    const prod = await runExample('secrets-stages', ['-s', 'prod']);
    expect(prod.code).toBe(0);
    expect(JSON.parse(readArtifact(prod.workspaceDir, 'api_response.json')).stage).toBe('prod');
    expect(readArtifact(prod.workspaceDir, 'config_check.txt')).toContain('demo-project-prod');
  });

  it('foreach runs its sub-tasks per line, in order and with parallel: 4', async () => {
    const r = await runExample('foreach');
    expect(r.code).toBe(0);
    const cities = fs.readdirSync(path.join(r.workspaceDir, 'artifacts', 'cities')).sort();
    expect(cities).toEqual(['Amsterdam.txt', 'Cape_Town.txt', 'Krak_w.txt', 'New_York.txt', 'Rio_de_Janeiro.txt', 'S_o_Paulo.txt', 'Tokyo.txt', 'Washington_D.C..txt']);
    expect(readArtifact(r.workspaceDir, 'cities/S_o_Paulo.txt')).toBe('São Paulo\n');
    expect(readArtifact(r.workspaceDir, 'measure_city_S_o_Paulo_stdout.log')).toBe('São Paulo: 10 bytes\n');
    expect(fs.readdirSync(path.join(r.workspaceDir, 'artifacts', 'shout'))).toHaveLength(8);
  });

  it('fork copies one stream to two child pipelines', async () => {
    const r = await runExample('fork');
    expect(r.code).toBe(0);
    expect(readArtifact(r.workspaceDir, 'count_orders_stdout.log').trim()).toBe('20');
    expect(readArtifact(r.workspaceDir, 'orders_per_customer_stdout.log').trim().split('\n')[0].trim()).toBe('9 acme');
  });

  it('exchange-rates installs a Singer tap and target into venvs, pipes them, and resumes from the saved state', async () => {
    const workspaceDir = path.join(makeTempDir(), 'ws');
    const install = await runCli(['workspace', 'install', '-p', example('exchange-rates'), '-w', workspaceDir], { timeoutMs: 180_000 });
    expect(install.code, install.stderr).toBe(0);
    expect(fs.existsSync(path.join(workspaceDir, 'tap', 'bin', 'tap-rates'))).toBe(true);
    expect(fs.existsSync(path.join(workspaceDir, 'target', 'bin', 'target-csv'))).toBe(true);

    // A second install changes nothing: the fingerprint of each venv is unchanged.
    const again = await runCli(['workspace', 'install', '-p', example('exchange-rates'), '-w', workspaceDir]);
    expect(again.stderr).toContain('Skipping venv tap');

    const first = await runExample('exchange-rates', ['-v', 'end_date=2024-01-31'], workspaceDir);
    expect(first.code, first.stderr).toBe(0);
    expect(readArtifact(workspaceDir, 'exchange_rate.csv').trim().split('\n')).toHaveLength(32);
    expect(JSON.parse(readArtifact(workspaceDir, 'state.json'))).toEqual({ bookmarks: { exchange_rate: { last_date: '2024-01-31' } } });

    const second = await runExample('exchange-rates', [], workspaceDir);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('records: exchange_rate 29');
    expect(readArtifact(workspaceDir, 'exchange_rate.csv').trim().split('\n')).toHaveLength(61);
    expect(JSON.parse(readArtifact(workspaceDir, 'state.json')).bookmarks.exchange_rate.last_date).toBe('2024-02-29');
  });
});

describe('quick_start make', () => {
  it('copies the examples into ./projects, refuses to overwrite them, and the copies run', async () => {
    const cwd = makeTempDir();
    const r = await runCli(['quick_start', 'make'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readdirSync(path.join(cwd, 'projects')).sort()).toEqual(['README.md', 'exchange-rates', 'foreach', 'fork', 'secrets-stages', 'vars-envs', 'word-count']);
    const again = await runCli(['quick_start', 'make'], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already has');
    const run = await runCli(['run', 'local', '-p', path.join(cwd, 'projects', 'word-count'), '-w', path.join(cwd, 'ws')]);
    expect(run.code).toBe(0);
    expect(readArtifact(path.join(cwd, 'ws'), 'word_count_stdout.log').split('\n')[0].trim()).toBe('76 the');
  });

  it('its "Try:" line and the copied READMEs\' commands work as printed, from a folder with a space in its name', async () => {
    const cwd = path.join(makeTempDir(), 'my dir');
    fs.mkdirSync(cwd);
    const r = await runCli(['quick_start', 'make'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    // As a user pastes it into a shell, `handoff` being this build.
    const shell = (line: string) => execFileSync('sh', ['-c', line.replace(/^handoff /, `"${process.execPath}" "${cliPath}" `)], { cwd: makeTempDir(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const tryLine = /Try: (handoff .*)$/m.exec(r.stderr)?.[1];
    expect(tryLine).toContain("-p '");
    shell(tryLine!);
    expect(readArtifact(path.join(cwd, 'workspaces', 'word-count'), 'word_count_stdout.log').split('\n')[0].trim()).toBe('76 the');
    const projects = path.join(cwd, 'projects');
    const readmes = ['README.md', ...fs.readdirSync(projects).filter((n) => n !== 'README.md').map((n) => path.join(n, 'README.md'))];
    for (const readme of readmes) expect(fs.readFileSync(path.join(projects, readme), 'utf8')).not.toMatch(/(^|[^\w./-])examples\//);
    const ws = path.join(makeTempDir(), 'ws-foreach');
    const commands = fs.readFileSync(path.join(projects, 'foreach', 'README.md'), 'utf8').split('\n').filter((l) => l.startsWith('handoff '));
    expect(commands).toHaveLength(2);
    // execFileSync throws when a command exits non-zero.
    for (const command of commands) shell(command.replace('/tmp/ws-foreach', ws));
    expect(fs.readdirSync(path.join(ws, 'artifacts')).length).toBeGreaterThan(0);
  });
});
