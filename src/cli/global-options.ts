// The options every command accepts (SPEC §1), parsed once into a typed object.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { expandHome } from '../home-path.js';
import { MAX_TIMEOUT_SECONDS, MAX_TIMEOUT_TEXT } from '../project/timeout-limit.js';
import { parseLogLevel, type LogLevel } from './console-log.js';

export interface GlobalOptions {
  projectDir?: string;
  workspaceDir?: string;
  stage: string;
  vars: string[];
  envs: string[];
  yes: boolean;
  no: boolean;
  logLevel: LogLevel;
  pushArtifacts: boolean;
  cloudProvider?: string;
  cloudProfile?: string;
  containerProvider?: string;
  json: boolean;
  strict: boolean;
  timeout?: number;
}

interface RawOptions {
  projectDir?: string;
  workspaceDir?: string;
  stage?: string;
  /** `true` for a bare -v/-e (commander's optional variadic): no values, as argparse's nargs="*". */
  vars?: string[] | true;
  envs?: string[] | true;
  yes?: boolean;
  answerNo?: boolean;
  logLevel?: string;
  pushArtifacts?: boolean;
  cloudProvider?: string;
  cloudProfile?: string;
  containerProvider?: string;
  json?: boolean;
  strict?: boolean;
  timeout?: string;
}

const DECIMAL_SECONDS = /^\s*(\d+(\.\d*)?|\.\d+)\s*$/;

export function toGlobalOptions(raw: RawOptions): GlobalOptions {
  if (raw.yes && raw.answerNo) throw new UserError('-y and -n were both given', { fix: 'answer prompts with either -y (yes) or -n (no), not both' });
  let timeout: number | undefined;
  if (raw.timeout !== undefined) {
    // Decimal digits only: Number() would also read 0x10 as 16 and 1e3 as 1000, which nobody means as seconds.
    if (!DECIMAL_SECONDS.test(raw.timeout)) {
      throw new UserError(`--timeout ${raw.timeout} is not a number of seconds in decimal digits`, { fix: 'e.g. --timeout 3600 (or 90.5)' });
    }
    timeout = Number(raw.timeout);
    if (timeout <= 0) {
      throw new UserError(`--timeout ${raw.timeout} is not a positive number of seconds`, { fix: 'e.g. --timeout 3600' });
    }
    if (timeout > MAX_TIMEOUT_SECONDS) throw new UserError(`--timeout ${raw.timeout} is longer than ${MAX_TIMEOUT_TEXT}, the longest timer handoff can keep`, { fix: 'give a shorter time limit, or none' });
  }
  let stage: string | undefined;
  return {
    // Not shell-expanded after `=` (--workspace-dir=~/ws) nor in a quoted value: `~` is the home folder, never ./~.
    projectDir: expandHome(raw.projectDir, '-p'),
    workspaceDir: expandHome(raw.workspaceDir, '-w'),
    // Read when a command uses it: a bad HO_STAGE in the environment does not break `version`, `schema`, `runs list`.
    get stage(): string {
      stage ??= readStage(raw.stage);
      return stage;
    },
    vars: Array.isArray(raw.vars) ? raw.vars : [],
    envs: Array.isArray(raw.envs) ? raw.envs : [],
    yes: Boolean(raw.yes),
    no: Boolean(raw.answerNo),
    logLevel: parseLogLevel(raw.logLevel),
    pushArtifacts: Boolean(raw.pushArtifacts),
    cloudProvider: raw.cloudProvider,
    cloudProfile: raw.cloudProfile,
    containerProvider: raw.containerProvider,
    json: Boolean(raw.json),
    strict: Boolean(raw.strict),
    timeout,
  };
}

export function requireProjectDir(options: GlobalOptions): string {
  if (!options.projectDir) throw projectDirNeeded();
  return options.projectDir;
}

/** No -p where a command needs one: run inside a project folder, the fix is `-p .` (no default, as the original). */
export function projectDirNeeded(): UserError {
  const here = fs.existsSync(path.join(process.cwd(), 'project.yml'));
  return new UserError('this command needs the project folder', { fix: here ? 'add -p . (this folder holds project.yml)' : 'add -p <folder holding project.yml>' });
}

export function requireWorkspaceDir(options: GlobalOptions): string {
  if (!options.workspaceDir) throw new UserError('this command needs a workspace folder', { fix: 'add -w <workspace folder>, e.g. -w ./workspace' });
  return options.workspaceDir;
}

/**
 * The stage names files (`.secrets/<stage>_secrets.yml`) and prefixes cloud names (`<stage>-<resource group>`), so it
 * is a plain name: an empty one made `-etl`, and `../x` a path out of .secrets/.
 */
function readStage(given: string | undefined): string {
  // An empty HO_STAGE is unset (`docker run -e HO_STAGE=`, a CI variable that is not defined), as the default says.
  const env = process.env.HO_STAGE || undefined;
  const fromEnv = given === undefined && env !== undefined;
  const stage = given ?? env ?? 'dev';
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(stage)) {
    throw new UserError(`${fromEnv ? 'HO_STAGE' : '-s'} ${JSON.stringify(stage)} is not a stage name: expected letters, digits, - and _, starting with a letter or digit`, {
      fix: `give a stage such as dev or prod${fromEnv ? ' in HO_STAGE, or -s' : ''}`,
    });
  }
  return stage;
}
