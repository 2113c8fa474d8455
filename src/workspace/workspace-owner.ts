// Which project a workspace belongs to (W/.handoff/owner.json): its Singer state and run history are that project's.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { makeFolders } from '../make-folders.js';
import { randomHex } from '../random-suffix.js';
import { removeFile } from '../remove-file.js';
import { listRunRecords } from '../runs/run-history.js';

/** Written at a workspace's first run; removing it hands the workspace (state and history) to the next project run there. */
export const OWNER_FILE = path.join('.handoff', 'owner.json');

/**
 * Set once an owner was recorded: from then on a missing owner.json means "handed over" (its removal is the way the
 * refusal's fix names), not "a workspace of an earlier handoff", whose owner its run records tell.
 */
const OWNER_RECORDED_FILE = path.join('.handoff', 'owner-recorded');

export interface WorkspaceOwner {
  /**
   * The project as runs record it: its name (deploy.task, else its folder's name) and its folder, resolved. `dir` is
   * '' for the copy `handoff run` fetches from a store (into the workspace): that project is known by its name only.
   */
  project: { name: string; dir: string };
  /** The stage of the latest run there: the stage whose Singer state (artifacts/state.json) the next run resumes from; '' unknown. */
  stage: string;
}

/** The project a command would write into a workspace for: its folder (none for a store's copy), its name, a run's stage. */
export interface WorkspaceUser {
  projectName: string;
  /** The project folder; undefined for a store's copy (`handoff run`, `artifacts get` without -p), known by name only. */
  projectDir?: string;
  /** A run's stage (recorded: the next run of another stage is warned); undefined for commands that run nothing. */
  stage?: string;
  /** How the refusal names the command: `this run`, or e.g. `workspace install`. */
  command?: string;
}

/** What a command must say before it writes, and the owner to record once it does (undefined: unchanged). */
export interface OwnerCheck {
  warnings: string[];
  record?: WorkspaceOwner;
}

function realOrResolved(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function readOwner(file: string): WorkspaceOwner | undefined {
  try {
    const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<WorkspaceOwner>;
    if (typeof owner.project?.dir !== 'string' || typeof owner.project.name !== 'string') return undefined;
    return { project: { name: owner.project.name, dir: owner.project.dir }, stage: typeof owner.stage === 'string' ? owner.stage : '' };
  } catch {
    return undefined;
  }
}

/** A folder inside the workspace is the copy a run from a store fetched there: known by name only. */
function projectDirOutside(dir: string, workspace: string): string {
  const real = realOrResolved(workspace);
  return dir === '' || dir === real || dir.startsWith(`${real}${path.sep}`) || dir.startsWith(`${workspace}${path.sep}`) ? '' : dir;
}

/** Best effort: a workspace this user cannot write is judged by its owner record while there is one. */
function markOwnerRecorded(workspace: string): void {
  const file = path.join(workspace, OWNER_RECORDED_FILE);
  if (fs.existsSync(file)) return;
  try {
    fs.writeFileSync(file, '', { flag: 'a' });
  } catch {
    // not this user's to write
  }
}

/**
 * The recorded owner, or for a workspace of an earlier handoff (no owner.json, never recorded one) the project of its
 * latest run record; undefined when neither says.
 */
function findOwner(workspace: string, mark = true): { owner: WorkspaceOwner; from: 'record' | 'runs' } | undefined {
  const recorded = readOwner(path.join(workspace, OWNER_FILE));
  // A record of the handoff before that mark existed: marked now, so that removing the record still hands it over
  // (by a command that writes there: one that only reads leaves the workspace as it is).
  if (recorded && mark) markOwnerRecorded(workspace);
  if (recorded) return { owner: { ...recorded, project: { ...recorded.project, dir: projectDirOutside(recorded.project.dir, workspace) } }, from: 'record' };
  if (fs.existsSync(path.join(workspace, OWNER_RECORDED_FILE))) return undefined;
  const [latest] = listRunRecords(path.join(workspace, 'runs'), 1);
  if (!latest) return undefined;
  return { owner: { project: { name: latest.project.name, dir: projectDirOutside(latest.project.dir, workspace) }, stage: latest.stage }, from: 'runs' };
}

function describeProject(project: { name: string; dir: string }): string {
  return project.dir === '' ? `project ${project.name} (the copy fetched from its store)` : `project ${project.dir} (${project.name})`;
}

/**
 * A workspace keeps one Singer state (artifacts/state.json, handed to the tap as `_state_file`) and one run history,
 * as the original did: written into by another project, its tap would resume after the first project's bookmark and
 * fetch nothing, with exit 0. So the first command that writes there records its project, and every command of another
 * project that would write there (a run, an install, a render of files/, a fetch from a store) is refused (exit 2)
 * while the recorded project's folder still holds a project.yml. A recorded folder that holds none now (the project
 * was moved or renamed) is taken as this project's old place, with a warning. Two projects are the same when their
 * folders are; a store's copy, which has no folder of its own, is known by its name (deploy.task). A different stage
 * of the same project is allowed (the original kept one state per workspace) with a warning naming the stage whose
 * state it resumes from. A workspace of an earlier handoff, which has no record, belongs to the project of its latest
 * run record; one without records is recorded for the first project to write there.
 *
 * Called before anything is written (to refuse early) and again under the workspace lock (two commands racing on a
 * fresh workspace both pass the first call; the second to take the lock must see the first one's record).
 */
export function checkWorkspaceOwner(input: WorkspaceUser & { workspaceDir: string }): OwnerCheck {
  const refusal = judgeWorkspaceOwner(input, true);
  if (refusal.other) {
    const { workspace, file, owner, from, current, dir } = refusal.other;
    const how = from === 'runs' ? ` (as its run records say: ${path.join(workspace, 'runs')}; no owner was recorded by the handoff that made it)` : '';
    const command = input.command ?? 'this run';
    throw new UserError(
      `the workspace ${workspace} belongs to ${describeProject(owner.project)}${how}, and ${command === 'this run' ? 'this run is of' : `\`${command}\` is for`} ${describeProject(current.project)}: ` +
        `its Singer state (artifacts/state.json) and run history are the other project's, and a tap resuming from that state would fetch the wrong records; ${command === 'this run' ? 'nothing was run' : 'nothing was written'}`,
      {
        fix: `use a workspace per project (e.g. -w ${path.join(path.dirname(workspace), `${dir === '' ? input.projectName : path.basename(dir)}-workspace`)}); ` +
          `to hand this workspace over to ${dir === '' ? input.projectName : dir}, its state and history included, ${from === 'runs' ? `create the empty file ${path.join(workspace, OWNER_RECORDED_FILE)} (the workspace is then no project's until one writes there)` : `remove ${file}`}`,
      },
    );
  }
  return refusal.check;
}

/**
 * For a command that only reads a workspace (`runs list|show|logs|state`, `ui`) with -p: the warning to give when the
 * workspace belongs to another project than -p's (its history and state are that project's, not -p's); undefined when
 * it is -p's, no project's, or its owner's folder holds no project.yml now. Writes nothing.
 */
export function warnOfOtherOwner(input: WorkspaceUser & { workspaceDir: string }, given: WhereGiven = { project: '-p', workspace: '-w' }): string | undefined {
  const { other } = judgeWorkspaceOwner(input, false);
  if (!other) return undefined;
  const how = other.from === 'runs' ? ' (as its run records say)' : '';
  return (
    `${given.prefix ?? ''}the workspace ${other.workspace} belongs to ${describeProject(other.owner.project)}${how}, not to ${describeProject(other.current.project)} (${given.project}): ` +
    `the runs and Singer state shown are the other project's (give ${given.project} its project, or ${given.workspace} the workspace of ${describeProject(other.current.project)})`
  );
}

/** How the project and the workspace were given, for the warning's words: -p/-w, or a ui.yml entry's keys. */
export interface WhereGiven {
  project: string;
  workspace: string;
  /** Names the entry the warning is about (a ui.yml project), before the rest. */
  prefix?: string;
}

/**
 * Before `runs state <id> --restore` writes a run's Singer state into the workspace: a history of before a hand-over
 * holds runs of the previous project, whose bookmark would make the owner's next run resume from the wrong place.
 */
export function checkRestoredRunOwner(workspaceDir: string, run: { runId: string; project: { name: string; dir: string } }): void {
  const { other } = judgeWorkspaceOwner({ workspaceDir, projectName: run.project.name, projectDir: run.project.dir === '' ? undefined : run.project.dir }, false);
  if (!other) return;
  throw new UserError(
    `run ${run.runId} is of ${describeProject(other.current.project)}, and the workspace ${other.workspace} belongs to ${describeProject(other.owner.project)}: ` +
      `restoring that run's Singer state would make the owner's next run resume from the other project's bookmark; nothing was written`,
    { fix: `restore a run of ${describeProject(other.owner.project)}; \`handoff runs state ${run.runId} -w ${other.workspace}\` prints the state, to copy what is wanted by hand` },
  );
}

interface OtherOwner {
  workspace: string;
  file: string;
  owner: WorkspaceOwner;
  from: 'record' | 'runs';
  current: WorkspaceOwner;
  dir: string;
}

/** The rule of checkWorkspaceOwner: `other` when the workspace is another project's, else what to warn and record. */
function judgeWorkspaceOwner(input: WorkspaceUser & { workspaceDir: string }, mark: boolean): { other?: OtherOwner; check: OwnerCheck } {
  const workspace = path.resolve(input.workspaceDir);
  const file = path.join(workspace, OWNER_FILE);
  const dir = input.projectDir === undefined ? '' : projectDirOutside(realOrResolved(input.projectDir), workspace);
  const current: WorkspaceOwner = { project: { name: input.projectName, dir }, stage: input.stage ?? '' };
  const found = findOwner(workspace, mark);
  if (found === undefined) return { check: { warnings: [], record: current } };
  const { owner, from } = found;
  const warnings: string[] = [];
  const same = owner.project.dir !== '' && dir !== '' ? owner.project.dir === dir : owner.project.name === input.projectName;
  if (!same) {
    if (owner.project.dir === '' || fs.existsSync(path.join(owner.project.dir, 'project.yml'))) {
      return { other: { workspace, file, owner, from, current, dir }, check: { warnings: [] } };
    }
    warnings.push(
      `the workspace ${workspace} belonged to project ${owner.project.dir}, which holds no project.yml now: taken as moved to ${dir || input.projectName}, which now owns the workspace ` +
        `(its Singer state and runs; if this is another project, use a workspace of its own)`,
    );
    return { check: { warnings, record: current } };
  }
  // The same project: a run records its stage (and the folder of a project known by name so far); other commands
  // record only what the records of an earlier handoff told.
  const better: WorkspaceOwner = { project: { name: input.projectName, dir: dir || owner.project.dir }, stage: input.stage ?? owner.stage };
  if (input.stage !== undefined && owner.stage !== input.stage && owner.stage !== '') {
    if (fs.existsSync(path.join(workspace, 'artifacts', 'state.json'))) {
      warnings.push(
        `the last run in this workspace was of stage ${owner.stage}: this run of stage ${input.stage} resumes from its Singer state (artifacts/state.json), as the original kept one state per workspace ` +
          `(use a workspace per stage, e.g. -w ${workspace}-${input.stage}, to keep the stages' states apart)`,
      );
    }
  }
  const changed = from === 'runs' || better.project.name !== owner.project.name || better.project.dir !== owner.project.dir || better.stage !== owner.stage;
  return { check: { warnings, record: changed ? better : undefined } };
}

/**
 * Records the workspace's owner (atomically: a reader sees the old record or the new one). A workspace whose .handoff
 * another user made (a root run before, a volume shared with a container's user) may not let this user write it: the
 * command goes on, since its own files are written elsewhere, and the warning returned says the owner was not recorded.
 */
export function recordWorkspaceOwner(workspaceDir: string, owner: WorkspaceOwner): string | undefined {
  const workspace = path.resolve(workspaceDir);
  const file = path.join(workspace, OWNER_FILE);
  const temp = `${file}.${randomHex(8)}.handoff-tmp`;
  try {
    makeFolders(path.dirname(file));
    fs.writeFileSync(temp, `${JSON.stringify(owner, null, 2)}\n`);
    fs.renameSync(temp, file);
    fs.writeFileSync(path.join(workspace, OWNER_RECORDED_FILE), '', { flag: 'a' });
    return undefined;
  } catch (error) {
    removeFile(temp);
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') throw error;
    let holder = '';
    try {
      holder = ` (uid ${fs.statSync(path.dirname(file)).uid}'s; this is uid ${process.getuid?.() ?? '?'})`;
    } catch {
      // no .handoff to name
    }
    return (
      `could not record the owner of the workspace ${workspace} in ${file}${holder}: ${code}; this command goes on, but a run of another project there ` +
      `is not refused and a run of another stage not warned about (let this user write ${path.dirname(file)}, e.g. chown -R ${process.getuid?.() ?? '$(id -u)'} ${path.dirname(file)})`
    );
  }
}
