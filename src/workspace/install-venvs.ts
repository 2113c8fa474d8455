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

/** The interpreter that creates one venv: how it was asked for, and what it is. */
interface Interpreter {
  /** `python3` (the default), a command name such as `python3.9`, or an absolute path. */
  spec: string;
  /** Text recorded in the fingerprint: the version, and for an explicit interpreter its executable. */
  identity: string;
}

/** Runs the interpreter once to learn its version and executable; undefined with its output when it cannot run. */
async function probeInterpreter(spec: string, cwd: string): Promise<{ version: string; executable: string } | { failure: string[] }> {
  const lines: string[] = [];
  const code = await runInstallStep(`${shellQuote(spec)} -c 'import sys; print(sys.version.split()[0]); print(sys.executable)'`, cwd, process.env, (line) => {
    lines.push(line.trim());
  });
  const [version, executable] = lines.slice(-2);
  if (code !== 0 || !version || !executable || !/^\d+\.\d+/.test(version)) return { failure: lines };
  return { version, executable };
}

/**
 * Finds the interpreter of each venv before anything is installed, so a missing one stops `workspace install` at once
 * (exit 2) naming the entry and what was looked for. The default `python3` keeps its old fingerprint text
 * (`Python 3.11.7`), so venvs installed before `python:` existed are not rebuilt.
 */
async function resolveInterpreters(installs: Install[], cwd: string, projectFile: string | undefined): Promise<Interpreter[]> {
  const known = new Map<string, Interpreter>();
  const result: Interpreter[] = [];
  for (const [index, install] of installs.entries()) {
    const spec = install.python ?? 'python3';
    let interpreter = known.get(spec);
    if (!interpreter) {
      const probe = await probeInterpreter(spec, cwd);
      if ('failure' in probe) throw missingInterpreter(install, index, spec, probe.failure, projectFile);
      interpreter = { spec, identity: install.python === undefined ? `Python ${probe.version}` : `Python ${probe.version} (${probe.executable})` };
      known.set(spec, interpreter);
    }
    result.push(interpreter);
  }
  return result;
}

function missingInterpreter(install: Install, index: number, spec: string, output: string[], projectFile: string | undefined): UserError {
  const said = output.find((line) => line !== '');
  if (install.python === undefined) {
    return new UserError(`python3 was not found; workspace install creates each venv with \`python3 -m venv\`${said ? ` (${said})` : ''}`, {
      fix: 'install Python 3 with its venv module (Debian: apt-get install python3 python3-venv), or name an interpreter with installs[].python',
    });
  }
  const where = spec.startsWith('/') ? `the file ${spec}` : `"${spec}" on PATH`;
  const message = `interpreter ${JSON.stringify(spec)} of venv ${install.venv ?? ''} was not found: looked for ${where}${said ? ` (${said})` : ''}`;
  return new UserError(`installs[${index}].python: ${message}`, {
    fix: spec.startsWith('/')
      ? 'check the path (for a pyenv Python: `echo $(pyenv prefix 3.9.18)/bin/python3.9`)'
      : `install that Python and put it on PATH, or give its absolute path (for a pyenv Python: $(pyenv prefix VERSION)/bin/${spec})`,
    diagnostics: [{ severity: 'error', message, path: `installs[${index}].python`, location: projectFile ? { file: projectFile } : undefined }],
  });
}

function fingerprintOf(install: Install, python: string): string {
  return crypto.createHash('sha256').update(JSON.stringify({ venv: install.venv, command: install.command, python })).digest('hex');
}

interface StoredFingerprint {
  fingerprint?: string;
  python?: string;
}

function readFingerprint(venvDir: string): StoredFingerprint {
  try {
    return JSON.parse(fs.readFileSync(path.join(venvDir, FINGERPRINT_FILE), 'utf8')) as StoredFingerprint;
  } catch {
    return {};
  }
}

/**
 * Creates each venv with its interpreter (`installs[].python`, default `python3`) as `<python> -m venv` when missing,
 * and runs its install command with the venv active and the workspace as working directory. An entry whose command
 * and interpreter are unchanged since it last succeeded is skipped (its fingerprint is stored in the venv), unless
 * `force`; a venv whose interpreter changed is created anew.
 */
export async function installVenvs(input: {
  installs: Install[];
  workspaceDir: string;
  force: boolean;
  /** Renders an install command (installs may use template variables). */
  renderCommand: (install: Install, index: number) => string;
  reporter: InstallReporter;
  /** The environment install commands start from (default: this process's); a venv's bin/ goes first on its PATH. */
  env?: NodeJS.ProcessEnv;
  /** project.yml, named in the error for a missing interpreter. */
  projectFile?: string;
}): Promise<InstallResult[]> {
  const results: InstallResult[] = [];
  if (input.installs.length === 0) return results;
  const baseEnv = input.env ?? process.env;
  const interpreters = await resolveInterpreters(input.installs, input.workspaceDir, input.projectFile);
  for (const [index, install] of input.installs.entries()) {
    const venv = install.venv ?? '';
    const interpreter = interpreters[index] as Interpreter;
    const python = interpreter.identity;
    const commandLine = input.renderCommand(install, index);
    const label = venv ? `venv ${venv}` : `install ${index + 1}`;
    let env: NodeJS.ProcessEnv = baseEnv;
    let venvDir: string | undefined;
    const fingerprint = fingerprintOf({ ...install, command: commandLine }, python);
    if (venv) {
      venvDir = path.join(input.workspaceDir, venv);
      const stored = readFingerprint(venvDir);
      const exists = fs.existsSync(path.join(venvDir, 'bin', 'python'));
      // `python -m venv` writes the activate scripts last: a venv with its python but without them was interrupted
      // while pip was being put in, and used as it is, its pip would be the global one.
      const halfMade = exists && !fs.existsSync(path.join(venvDir, 'bin', 'activate'));
      if (halfMade) {
        input.reporter.info(`Recreating ${label}: its creation was interrupted (there is no ${path.join(venv, 'bin', 'activate')})`);
        fs.rmSync(venvDir, { recursive: true, force: true });
      }
      if (!input.force && exists && !halfMade && stored.fingerprint === fingerprint) {
        input.reporter.info(`Skipping ${label}: its install command and ${python} are unchanged (use --force to reinstall)`);
        results.push({ venv, status: 'skipped' });
        continue;
      }
      const otherInterpreter = exists && stored.python !== undefined && stored.python !== python;
      if (otherInterpreter) input.reporter.info(`Recreating ${label}: its interpreter changed from ${stored.python} to ${python}`);
      if ((input.force || otherInterpreter) && fs.existsSync(venvDir)) fs.rmSync(venvDir, { recursive: true, force: true });
      if (!fs.existsSync(path.join(venvDir, 'bin', 'python'))) {
        input.reporter.info(`Creating ${label} at ${venvDir} with ${python}`);
        const code = await runInstallStep(`${shellQuote(interpreter.spec)} -m venv ${shellQuote(venvDir)}`, input.workspaceDir, process.env, (l) => input.reporter.output(venv, l));
        if (code !== 0) {
          throw new UserError(`could not create ${label}: ${interpreter.spec} -m venv exited with code ${code}`, {
            exitCode: 1,
            fix: 'install the venv module for that Python (Debian: apt-get install python3-venv)',
          });
        }
      }
      env = { ...baseEnv, VIRTUAL_ENV: venvDir, PATH: `${path.join(venvDir, 'bin')}${path.delimiter}${baseEnv.PATH ?? ''}` };
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
