// `workspace install`: one Python venv per installs[] entry, its command run inside it, skipped when unchanged.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { Install } from '../project/types.js';
import { assertVenvFoldersAreVenvs } from './workspace-paths.js';
import { spawnCommand, type RunningCommand, type TerminationReason } from '../process/spawn-command.js';
import {
  FINGERPRINT_FILE,
  pyvenvVersion,
  readFingerprint,
  readVenvInterpreter,
  realOrResolved,
  venvMadeElsewhere,
  writeVenvInterpreter,
  type StoredFingerprint,
} from './venv-state.js';

export interface InstallReporter {
  info(message: string): void;
  output(venv: string, line: string): void;
  /** Something the user should act on that does not stop the install (default: reported through info). */
  warn?(message: string): void;
  /** Each entry's outcome as it is known, the failed one included (it is also thrown), for a caller's --json result. */
  result?(result: InstallResult): void;
}

/** What became of one installs[] entry (the `--json` result of `workspace install` lists these). */
export interface InstallResult {
  /** Position in installs[]. */
  index: number;
  /** Absent for an install without a venv. */
  venv?: string;
  /** `unchanged`: its venv's fingerprint matched, nothing ran. */
  status: 'installed' | 'unchanged' | 'failed';
  /** For `failed`: the exit code of its command, or of `python -m venv` when the venv could not be made. */
  exitCode?: number;
}

/**
 * What ends the installs of a run early (its SIGINT/SIGTERM or --timeout; a run's ProcessScope is one): each install
 * process is tracked, so stopping ends it (SIGTERM, or SIGINT first for a timeout, then SIGKILL after the grace period),
 * and once stopped nothing more starts.
 */
export interface InstallStop {
  track(command: RunningCommand): void;
  readonly stopReason?: TerminationReason;
}

/** Thrown by installVenvs when its `stop` was stopped: the installs were ended, not failed (the caller records why). */
export class InstallStopped extends Error {
  constructor(readonly reason: TerminationReason) {
    super(`the installs were ended (${reason})`);
  }
}

/** How install steps run: their grace period between signals, and what may stop them. */
interface StepControl {
  graceMs: number;
  stop?: InstallStop;
}

const DEFAULT_INSTALL_GRACE_MS = 5000;

/** Runs a command line to completion, reporting its output (stdout folded into stderr) line by line. */
async function runInstallStep(commandLine: string, cwd: string, env: NodeJS.ProcessEnv, onLine: (line: string) => void, control: StepControl): Promise<number> {
  if (control.stop?.stopReason) throw new InstallStopped(control.stop.stopReason);
  // stdout is folded into stderr so both reach the reporter, in order.
  const running = spawnCommand({
    name: 'install',
    commandLine: `exec 1>&2\n${commandLine}`,
    cwd,
    env,
    stdin: 'ignore',
    stdout: 'ignore',
    graceMs: control.graceMs,
    onStderrLine: onLine,
  });
  control.stop?.track(running);
  const exit = await running.exited;
  // Ended by the run's signal or timeout: whatever code it died with is not the install's failure.
  if (control.stop?.stopReason) throw new InstallStopped(control.stop.stopReason);
  if (exit.startError) return 127;
  return exit.exitCode ?? 128;
}

/** The interpreter that creates one venv: how it was asked for, and what it is. */
export interface Interpreter {
  /** `python3` (the default), a command name such as `python3.9`, or an absolute path. */
  spec: string;
  /** Text recorded in the fingerprint: the version, and for an explicit interpreter its executable. */
  identity: string;
  /** `major.minor.micro`, as `sys.version` begins. */
  version: string;
}

/** The oldest Python whose venv module makes a venv with pip (ensurepip came with 3.4). */
const OLDEST_VENV_PYTHON = [3, 4];

/** Runs the interpreter once to learn its version and executable; undefined with its output when it cannot run. */
async function probeInterpreter(spec: string, cwd: string, control: StepControl): Promise<{ version: string; executable: string } | { failure: string[] }> {
  const lines: string[] = [];
  const probe = `${shellQuote(spec)} -c 'import sys; print(sys.version.split()[0]); print(sys.executable)'`;
  const code = await runInstallStep(probe, cwd, process.env, (line) => lines.push(line.trim()), control);
  const [version, executable] = lines.slice(-2);
  if (code !== 0 || !version || !executable || !/^\d+\.\d+/.test(version)) return { failure: lines };
  return { version, executable };
}

/**
 * Finds the interpreter of each venv before anything is installed, so a missing one stops `workspace install` at once
 * (exit 2) naming the entry and what was looked for. Entries that share a venv share its interpreter: the one any of
 * them names (validation refuses two different ones), else `python3`. The default `python3` keeps its old
 * fingerprint text (`Python 3.11.7`), so venvs installed before `python:` existed are not rebuilt.
 */
export async function resolveInterpreters(
  installs: Install[],
  cwd: string,
  projectFile: string | undefined,
  control: StepControl = { graceMs: DEFAULT_INSTALL_GRACE_MS },
): Promise<Interpreter[]> {
  const namedBy = new Map<string, { install: Install; index: number }>();
  for (const [index, install] of installs.entries()) {
    if (install.venv !== undefined && install.python !== undefined && !namedBy.has(install.venv)) namedBy.set(install.venv, { install, index });
  }
  const known = new Map<string, Interpreter>();
  const result: Interpreter[] = [];
  for (const [index, install] of installs.entries()) {
    const source = (install.venv !== undefined ? namedBy.get(install.venv) : undefined) ?? { install, index };
    const spec = source.install.python ?? 'python3';
    const key = `${source.install.python === undefined ? 'default' : 'named'}\0${spec}`;
    let interpreter = known.get(key);
    if (!interpreter) {
      const probe = await probeInterpreter(spec, cwd, control);
      if ('failure' in probe) throw missingInterpreter(source.install, source.index, spec, probe.failure, projectFile);
      const [major = 0, minor = 0] = probe.version.split('.').map(Number);
      if (major < (OLDEST_VENV_PYTHON[0] as number) || (major === OLDEST_VENV_PYTHON[0] && minor < (OLDEST_VENV_PYTHON[1] as number))) {
        throw tooOldInterpreter(source.install, source.index, spec, probe.version, projectFile);
      }
      interpreter = { spec, version: probe.version, identity: source.install.python === undefined ? `Python ${probe.version}` : `Python ${probe.version} (${probe.executable})` };
      known.set(key, interpreter);
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
      : `install that Python and put it on PATH, or give its absolute path (for a pyenv Python: $(pyenv prefix VERSION)/bin/${/^\d/.test(spec) ? `python${spec}` : spec})`,
    diagnostics: [{ severity: 'error', message, path: `installs[${index}].python`, location: projectFile ? { file: projectFile } : undefined }],
  });
}

/** An interpreter that runs but has no usable venv module (Python 2 has none; 3.3's makes venvs without pip). */
function tooOldInterpreter(install: Install, index: number, spec: string, version: string, projectFile: string | undefined): UserError {
  const needs = `workspace install needs Python ${OLDEST_VENV_PYTHON.join('.')} or later (its venv module, with pip)`;
  if (install.python === undefined) {
    return new UserError(`python3 is Python ${version}; ${needs}`, { fix: 'put a Python 3 first on PATH as python3, or name one with installs[].python' });
  }
  const message = `interpreter ${JSON.stringify(spec)} of venv ${install.venv ?? ''} is Python ${version}; ${needs}`;
  return new UserError(`installs[${index}].python: ${message}`, {
    fix: 'name a Python 3 interpreter (for a pyenv Python: $(pyenv prefix 3.9.18)/bin/python3.9)',
    diagnostics: [{ severity: 'error', message, path: `installs[${index}].python`, location: projectFile ? { file: projectFile } : undefined }],
  });
}

/**
 * What a venv was installed from: its rendered install commands, in order, and its interpreter. A venv of one entry
 * keeps the form of before venvs could be shared, so existing workspaces are not reinstalled. Only this hash is kept
 * of the rendered commands: they may hold secrets.
 */
function fingerprintOf(venv: string, commandLines: string[], python: string, files: Record<string, string>): string {
  const spec = commandLines.length === 1 ? { venv, command: commandLines[0], python } : { venv, commands: commandLines, python };
  // Only venvs whose commands name files/ get the key, so the others keep their fingerprints.
  const withFiles = Object.keys(files).length > 0 ? { ...spec, files } : spec;
  return crypto.createHash('sha256').update(JSON.stringify(withFiles)).digest('hex');
}

/**
 * The paths under files/ that install commands name (`pip install ./files/my_tap`, `pip install -r
 * files/requirements.txt`, `-e files/pkg[dev]`), each with a hash of what W/files holds there, just rendered: a
 * change to the tap's code or a requirement added reinstalls the venv, as the original (which ran every install
 * every time) did. Only named paths count: other files (a config rendered with `{{ _today }}`) never do.
 */
function namedFilesOf(workspaceDir: string, commandLines: string[]): Record<string, string> {
  const hashes: Record<string, string> = {};
  for (const rel of findNamedFilePaths(commandLines)) {
    const hash = crypto.createHash('sha256');
    hashTree(path.join(workspaceDir, rel), '', hash);
    hashes[rel] = hash.digest('hex');
  }
  return hashes;
}

/** A path under files/ as a command names it, relative to the workspace: `files`, `./files/x`, `files/x/*.whl`. */
export const NAMED_FILES = /(?<![\w./-])(?:\.\/)?(files(?:\/[^\s'"`;|&<>()[\]]*)?)(?![\w-])/g;

/**
 * The paths under files/ that command lines name (`./files/my_tap`, `files/wheels/*.whl` as its folder, `files` alone
 * for all of it), relative to the workspace and sorted: what an install reads of files/. The container build uses
 * it too, to copy only these before the install layers.
 */
export function findNamedFilePaths(commandLines: string[]): string[] {
  const paths = new Set<string>();
  for (const line of commandLines) {
    for (const match of line.matchAll(NAMED_FILES)) {
      // A glob (files/my_tap/*.whl) stands for its folder.
      const named = match[1] as string;
      const glob = named.search(/[*?]/);
      paths.add((glob === -1 ? named : named.slice(0, named.lastIndexOf('/', glob))).replace(/\/+$/, '') || 'files');
    }
  }
  return [...paths].sort();
}

/** Feeds a file or folder (names, kinds, bytes; links as their text, never followed) into `hash`. */
function hashTree(abs: string, rel: string, hash: crypto.Hash): void {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(abs);
  } catch {
    hash.update(`missing ${rel}\0`);
    return;
  }
  if (stat.isSymbolicLink()) {
    hash.update(`link ${rel}\0${fs.readlinkSync(abs)}\0`);
  } else if (stat.isDirectory()) {
    hash.update(`dir ${rel}\0`);
    for (const name of fs.readdirSync(abs).sort()) hashTree(path.join(abs, name), `${rel}/${name}`, hash);
  } else if (stat.isFile()) {
    hash.update(`file ${rel} ${stat.size}\0`);
    hash.update(fs.readFileSync(abs));
  }
}

/** The venv's fingerprint file: the hash that decides "unchanged", and for people the commands with secrets masked. */
function writeFingerprint(venvDir: string, stored: Required<Omit<StoredFingerprint, 'command' | 'dir' | 'wheel'>>, wheel: boolean): void {
  fs.writeFileSync(path.join(venvDir, FINGERPRINT_FILE), JSON.stringify({ ...stored, dir: realOrResolved(venvDir), ...(wheel ? { wheel: true } : {}) }));
}

/** One venv's entries and what to do with it, decided before anything runs. */
interface VenvPlan {
  venv: string;
  dir: string;
  interpreter: Interpreter;
  /** Indexes into installs[] of its entries, in order. */
  entries: number[];
  fingerprint: string;
  /** Its commands as the fingerprint file shows them (secrets masked). */
  shownCommands: string[];
  /** The paths under files/ its commands name, whose content is part of the fingerprint. */
  namedFiles: string[];
  stored: StoredFingerprint;
  /** Nothing to run: the venv is whole and its fingerprint matches. */
  unchanged: boolean;
  /** Why the venv folder is removed before it is made again, if it is. */
  recreate?: string;
  /** Wheel is in the venv (its fingerprint's mark, then what this install did); recorded in its new fingerprint. */
  wheel: boolean;
  /** This install tried to put wheel in and could not (its warning was shown). */
  wheelFailed?: boolean;
}

function planVenvs(input: { installs: Install[]; workspaceDir: string; force: boolean }, interpreters: Interpreter[], commandLines: string[], mask: (text: string) => string): Map<string, VenvPlan> {
  const byVenv = new Map<string, number[]>();
  for (const [index, install] of input.installs.entries()) {
    if (install.venv === undefined || install.venv === '') continue;
    byVenv.set(install.venv, [...(byVenv.get(install.venv) ?? []), index]);
  }
  // Checked by the commands before they write anything; again here, where a venv's folder is made or removed.
  assertVenvFoldersAreVenvs(input.workspaceDir, input.installs);
  const plans = new Map<string, VenvPlan>();
  for (const [venv, entries] of byVenv) {
    const dir = path.join(input.workspaceDir, venv);
    const interpreter = interpreters[entries[0] as number] as Interpreter;
    const lines = entries.map((i) => commandLines[i] as string);
    const namedFiles = namedFilesOf(input.workspaceDir, lines);
    const fingerprint = fingerprintOf(venv, lines, interpreter.identity, namedFiles);
    const stored = readFingerprint(dir);
    const exists = fs.existsSync(path.join(dir, 'bin', 'python'));
    // `python -m venv` writes the activate scripts last: a venv with its python but without them was interrupted
    // while pip was being put in, and used as it is, its pip would be the global one.
    const halfMade = exists && !fs.existsSync(path.join(dir, 'bin', 'activate'));
    const madeAt = exists && !halfMade ? venvMadeElsewhere(dir, stored) : undefined;
    let recreate: string | undefined;
    if (halfMade) recreate = `its creation was interrupted (there is no ${path.join(venv, 'bin', 'activate')})`;
    else if (madeAt !== undefined) recreate = `it was made at ${madeAt} (the workspace was moved or copied), and its scripts still point there`;
    else if (exists) {
      // What made the venv, as the venv tells it: handoff's record written when it was made (kept when an install
      // fails, unlike the fingerprint), else the last fingerprint, else pyvenv.cfg's version (a venv of an older handoff
      // whose last install failed). Whether or not the last install completed, a venv of another Python is made anew.
      const madeBy = readVenvInterpreter(dir) ?? stored.python;
      const cfgVersion = madeBy === undefined ? pyvenvVersion(dir) : undefined;
      if (madeBy !== undefined && madeBy !== interpreter.identity) recreate = `its interpreter changed from ${madeBy} to ${interpreter.identity}`;
      else if (cfgVersion !== undefined && cfgVersion !== interpreter.version) recreate = `its interpreter changed from Python ${cfgVersion} to ${interpreter.identity}`;
    }
    if (recreate === undefined && input.force && fs.existsSync(dir)) recreate = '--force';
    const unchanged = !input.force && exists && recreate === undefined && stored.fingerprint === fingerprint;
    plans.set(venv, { venv, dir, interpreter, entries, fingerprint, namedFiles: Object.keys(namedFiles), shownCommands: lines.map(mask), stored, unchanged, recreate, wheel: stored.wheel === true });
  }
  return plans;
}

/**
 * Creates each venv with its interpreter (`installs[].python`, default `python3`) as `<python> -m venv` when missing,
 * and runs its install commands with the venv active and the workspace as working directory, entries in their order.
 * Entries that share a venv install into the one folder, made once. A venv whose commands and interpreter are
 * unchanged since they last all succeeded is skipped (its fingerprint is stored in the venv), unless `force`, which
 * makes the venv anew; so does a changed interpreter. Rendered commands may hold secrets: every text this writes or
 * throws shows them through `mask`.
 */
export async function installVenvs(input: {
  installs: Install[];
  workspaceDir: string;
  force: boolean;
  /** Renders an install command (installs may use template variables). */
  renderCommand: (install: Install, index: number) => string;
  reporter: InstallReporter;
  /** Hides secret values in a rendered command before it is shown, thrown or stored (default: shown as it is). */
  mask?: (text: string) => string;
  /** The environment install commands start from (default: this process's); a venv's bin/ goes first on its PATH. */
  env?: NodeJS.ProcessEnv;
  /** project.yml, named in the error for a missing interpreter. */
  projectFile?: string;
  /** Pause between the signals that end an install process (default 5 s); a run passes its own grace period. */
  graceMs?: number;
  /** Ends the installs early (a run's interrupt or timeout): they then throw InstallStopped. */
  stop?: InstallStop;
  /** resolveInterpreters' answer when the caller found them already (before it wrote anything); else found here. */
  interpreters?: Interpreter[];
}): Promise<InstallResult[]> {
  const results: InstallResult[] = [];
  if (input.installs.length === 0) return results;
  const mask = input.mask ?? ((text: string) => text);
  const baseEnv = input.env ?? process.env;
  const control: StepControl = { graceMs: input.graceMs ?? DEFAULT_INSTALL_GRACE_MS, stop: input.stop };
  const interpreters = input.interpreters ?? (await resolveInterpreters(input.installs, input.workspaceDir, input.projectFile, control));
  const commandLines = input.installs.map((install, index) => input.renderCommand(install, index));
  const plans = planVenvs(input, interpreters, commandLines, mask);
  const done = (result: InstallResult): void => {
    results.push(result);
    input.reporter.result?.(result);
  };
  for (const [index, install] of input.installs.entries()) {
    const venv = install.venv || undefined;
    const plan = venv === undefined ? undefined : plans.get(venv);
    const label = venv !== undefined ? `venv ${venv}` : `install ${index + 1}`;
    const commandLine = commandLines[index] as string;
    let env: NodeJS.ProcessEnv = baseEnv;
    if (plan) {
      const first = plan.entries[0] === index;
      if (plan.unchanged) {
        if (first) {
          const what = plan.entries.length === 1 ? 'its install command' : `its ${plan.entries.length} install commands`;
          const files = plan.namedFiles.length > 0 ? `, ${plan.namedFiles.join(', ')}` : '';
          input.reporter.info(`Skipping ${label}: ${what}${files} and ${plan.interpreter.identity} are unchanged (use --force to reinstall)`);
          // A file written before fingerprints were kept as a hash holds the command in clear text: rewrite it.
          if (plan.stored.command !== undefined) writeFingerprint(plan.dir, { fingerprint: plan.fingerprint, python: plan.interpreter.identity, commands: plan.shownCommands }, plan.wheel);
        }
        done({ index, venv, status: 'unchanged' });
        continue;
      }
      if (first) {
        // Made once for all its entries: removed (when it must be made anew) before the first, never between two.
        if (plan.recreate !== undefined && plan.recreate !== '--force') input.reporter.info(`Recreating ${label}: ${plan.recreate}`);
        if (plan.recreate !== undefined) fs.rmSync(plan.dir, { recursive: true, force: true });
        // Until every entry has succeeded again, the venv matches no fingerprint (not even the one it had).
        fs.rmSync(path.join(plan.dir, FINGERPRINT_FILE), { force: true });
        if (!fs.existsSync(path.join(plan.dir, 'bin', 'python'))) {
          input.reporter.info(`Creating ${label} at ${plan.dir} with ${plan.interpreter.identity}`);
          const said: string[] = [];
          const code = await runInstallStep(`${shellQuote(plan.interpreter.spec)} -m venv ${shellQuote(plan.dir)}`, input.workspaceDir, process.env, (l) => {
            said.push(l);
            input.reporter.output(plan.venv, l);
          }, control);
          if (code !== 0) {
            done({ index, venv, status: 'failed', exitCode: code });
            throw venvNotMade(label, plan, code, said);
          }
          writeVenvInterpreter(plan.dir, plan.interpreter.identity);
          await installWheel(plan, label, input.workspaceDir, venvEnv(baseEnv, plan.dir), input.reporter, control, 'as the original handoff did into every venv it made');
        } else if (!plan.wheel) {
          // Kept as it is, not made anew: a venv of a handoff older than wheel in venvs (or whose last install did not
          // complete) gets it before its changed commands run, as a new venv would have it.
          await installWheel(plan, label, input.workspaceDir, venvEnv(baseEnv, plan.dir), input.reporter, control, 'its fingerprint has no mark of it: the venv was made by an older handoff, or its last install did not complete');
        }
      }
      env = venvEnv(baseEnv, plan.dir);
    }
    const shown = mask(commandLine);
    input.reporter.info(`Installing ${label}: ${shown}`);
    let wantedWheel = false;
    const code = await runInstallStep(commandLine, input.workspaceDir, env, (l) => {
      if (NEEDS_WHEEL.test(l)) wantedWheel = true;
      input.reporter.output(venv ?? 'install', l);
    }, control);
    if (code !== 0) {
      done({ index, venv, status: 'failed', exitCode: code });
      throw new UserError(`install of ${label} failed: "${shown}" exited with code ${code} (installs[${index}])`, {
        exitCode: 1,
        fix: wantedWheel ? wheelFix(plan) : 'fix the install command in project.yml (its output is above) and run workspace install again',
      });
    }
    if (plan && plan.entries[plan.entries.length - 1] === index) {
      // A venv made before handoff recorded its interpreter gets the record: it was checked against the wanted one above.
      if (readVenvInterpreter(plan.dir) === undefined) writeVenvInterpreter(plan.dir, plan.interpreter.identity);
      writeFingerprint(plan.dir, { fingerprint: plan.fingerprint, python: plan.interpreter.identity, commands: plan.shownCommands }, plan.wheel);
    }
    done({ index, venv, status: 'installed' });
  }
  return results;
}

/**
 * `python -m venv` failed: without the venv module or ensurepip (Debian's python3 without python3-venv) the fix is
 * that package; anything else (a folder it cannot make, a path it refuses) is quoted as Python said it.
 */
function venvNotMade(label: string, plan: VenvPlan, code: number, said: string[]): UserError {
  const noModule = said.some((line) => /No module named '?(venv|ensurepip)'?|ensurepip is not available/.test(line));
  const reason = noModule ? undefined : quotedReason(said);
  return new UserError(`could not create ${label}: ${plan.interpreter.spec} -m venv exited with code ${code}${reason ? `: ${reason}` : ''}`, {
    exitCode: 1,
    fix: noModule || reason === undefined
      ? 'install the venv module for that Python (Debian: apt-get install python3-venv)'
      : `fix what Python says (the venv is made at ${plan.dir}) and run workspace install again`,
  });
}

/** The line of a failed tool's output that says why: its last `ERROR:`/`Error:` line, else its last line (pip 18 prefixes none). */
export function quotedReason(lines: string[]): string | undefined {
  const said = lines.map((line) => line.trim()).filter((line) => line !== '');
  return said.filter((line) => /^error:/i.test(line)).pop() ?? said.pop();
}

/** What setuptools and Python print when a build needs the wheel package and it is missing. */
const NEEDS_WHEEL = /invalid command 'bdist_wheel'|No module named '?wheel'?(?![\w.])/;

/** The fix of an install whose output says it needs wheel: it names the warning about wheel only when one was shown. */
function wheelFix(plan: VenvPlan | undefined): string {
  const prefix = '`pip install wheel && `';
  if (plan === undefined) return `its output says it needs the wheel package, which the Python it ran with lacks: put ${prefix} before the command`;
  if (plan.wheelFailed) {
    return `its output says it needs the wheel package, which handoff could not install into this venv (see the warning above): make wheel reachable to pip and run workspace install again, or put ${prefix} before the command`;
  }
  return `its output says it needs the wheel package, which this venv has no longer (handoff put it in; did a command remove it?): put ${prefix} before the command, or run workspace install --force to make the venv anew with wheel`;
}

/** The environment of commands run inside a venv: its bin/ first on PATH and VIRTUAL_ENV set, as `activate` does. */
function venvEnv(baseEnv: NodeJS.ProcessEnv, dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...baseEnv, VIRTUAL_ENV: dir, PATH: `${path.join(dir, 'bin')}${path.delimiter}${baseEnv.PATH ?? ''}` };
  delete env.PYTHONHOME;
  return env;
}

/**
 * Puts the wheel package into a venv (just made, or kept without the mark of it), as the original handoff did for every
 * venv (`pip install wheel`): `python setup.py bdist_wheel`, `pip install --no-build-isolation` of a setup.py package
 * and code importing wheel need it, and `python -m venv` does not install it. It uses pip's own settings (index, mirror, find-links). When pip
 * cannot get it (no index reachable), the install goes on without it, with a warning that says what may fail.
 */
async function installWheel(plan: VenvPlan, label: string, workspaceDir: string, env: NodeJS.ProcessEnv, reporter: InstallReporter, control: StepControl, why: string): Promise<void> {
  reporter.info(`Installing wheel into ${label} (${why})`);
  const python = path.join(plan.dir, 'bin', 'python');
  const lines: string[] = [];
  const code = await runInstallStep(`${shellQuote(python)} -m pip install wheel`, workspaceDir, env, (line) => {
    lines.push(line);
    reporter.output(plan.venv, line);
  }, control);
  plan.wheel = code === 0;
  plan.wheelFailed = code !== 0;
  if (code === 0) return;
  const said = quotedReason(lines);
  // pip found wheel, but no release of it for this Python: making it reachable is not the fix, an older release is.
  const tooNew = said !== undefined && /requires Python|Requires-Python/.test(said);
  (reporter.warn ?? reporter.info).call(
    reporter,
    `could not install wheel into ${label} (pip install wheel exited with code ${code}${said ? `: ${said}` : ''}): an install that needs it ` +
      `(python setup.py bdist_wheel, pip install --no-build-isolation of a setup.py package) fails with "invalid command 'bdist_wheel'"; ` +
      (tooNew
        ? 'no release of wheel that pip finds supports this Python: make an older release reachable to pip and run workspace install --force, or start the install command with `pip install "wheel<VERSION" && ` naming a release that supports it'
        : 'make wheel reachable to pip and run workspace install --force, or start the install command with `pip install wheel && `'),
  );
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}
