// `workspace install`: one Python venv per installs[] entry, its command run inside it, skipped when unchanged.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { Install } from '../project/types.js';
import { spawnCommand } from '../process/spawn-command.js';

export interface InstallReporter {
  info(message: string): void;
  output(venv: string, line: string): void;
}

export interface InstallResult {
  venv: string;
  status: 'installed' | 'skipped';
}

const FINGERPRINT_FILE = '.handoff-install.json';

/** Runs a command line to completion, reporting its output (stdout folded into stderr) line by line. */
async function runInstallStep(commandLine: string, cwd: string, env: NodeJS.ProcessEnv, onLine: (line: string) => void): Promise<number> {
  // stdout is folded into stderr so both reach the reporter, in order.
  const running = spawnCommand({
    name: 'install',
    commandLine: `exec 1>&2\n${commandLine}`,
    cwd,
    env,
    stdin: 'ignore',
    stdout: 'ignore',
    graceMs: 5000,
    onStderrLine: onLine,
  });
  const exit = await running.exited;
  if (exit.startError) return 127;
  return exit.exitCode ?? 128;
}

async function pythonVersion(cwd: string): Promise<string> {
  let version = '';
  const code = await runInstallStep('python3 --version', cwd, process.env, (line) => {
    version ||= line.trim();
  });
  if (code !== 0) {
    throw new UserError('python3 was not found; workspace install creates each venv with `python3 -m venv`', {
      fix: 'install Python 3 with its venv module (Debian: apt-get install python3 python3-venv)',
    });
  }
  return version;
}

function fingerprintOf(install: Install, python: string): string {
  return crypto.createHash('sha256').update(JSON.stringify({ venv: install.venv, command: install.command, python })).digest('hex');
}

function readFingerprint(venvDir: string): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(path.join(venvDir, FINGERPRINT_FILE), 'utf8')) as { fingerprint?: string }).fingerprint;
  } catch {
    return undefined;
  }
}

/**
 * Creates each venv with `python3 -m venv` when missing and runs its install command with the venv active and the
 * workspace as working directory. An entry whose command and Python version are unchanged since it last succeeded is
 * skipped (its fingerprint is stored in the venv), unless `force`.
 */
export async function installVenvs(input: {
  installs: Install[];
  workspaceDir: string;
  force: boolean;
  /** Renders an install command (installs may use template variables). */
  renderCommand: (install: Install, index: number) => string;
  reporter: InstallReporter;
}): Promise<InstallResult[]> {
  const results: InstallResult[] = [];
  if (input.installs.length === 0) return results;
  const python = await pythonVersion(input.workspaceDir);
  for (const [index, install] of input.installs.entries()) {
    const venv = install.venv ?? '';
    const commandLine = input.renderCommand(install, index);
    const label = venv ? `venv ${venv}` : `install ${index + 1}`;
    let env: NodeJS.ProcessEnv = process.env;
    let venvDir: string | undefined;
    const fingerprint = fingerprintOf({ ...install, command: commandLine }, python);
    if (venv) {
      venvDir = path.join(input.workspaceDir, venv);
      if (!input.force && fs.existsSync(path.join(venvDir, 'bin', 'python')) && readFingerprint(venvDir) === fingerprint) {
        input.reporter.info(`Skipping ${label}: its install command and ${python} are unchanged (use --force to reinstall)`);
        results.push({ venv, status: 'skipped' });
        continue;
      }
      if (input.force && fs.existsSync(venvDir)) fs.rmSync(venvDir, { recursive: true, force: true });
      if (!fs.existsSync(path.join(venvDir, 'bin', 'python'))) {
        input.reporter.info(`Creating ${label} at ${venvDir}`);
        const code = await runInstallStep(`python3 -m venv ${shellQuote(venvDir)}`, input.workspaceDir, process.env, (l) => input.reporter.output(venv, l));
        if (code !== 0) {
          throw new UserError(`could not create ${label}: python3 -m venv exited with code ${code}`, {
            exitCode: 1,
            fix: 'install the venv module for your Python (Debian: apt-get install python3-venv)',
          });
        }
      }
      env = { ...process.env, VIRTUAL_ENV: venvDir, PATH: `${path.join(venvDir, 'bin')}${path.delimiter}${process.env.PATH ?? ''}` };
      delete env.PYTHONHOME;
    }
    input.reporter.info(`Installing ${label}: ${commandLine}`);
    const code = await runInstallStep(commandLine, input.workspaceDir, env, (l) => input.reporter.output(venv || 'install', l));
    if (code !== 0) {
      throw new UserError(`install of ${label} failed: "${commandLine}" exited with code ${code} (installs[${index}])`, {
        exitCode: 1,
        fix: 'fix the install command in project.yml (its output is above) and run workspace install again',
      });
    }
    if (venvDir) fs.writeFileSync(path.join(venvDir, FINGERPRINT_FILE), JSON.stringify({ fingerprint, command: commandLine, python }));
    results.push({ venv, status: 'installed' });
  }
  return results;
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}
