// Which project a workspace belongs to (W/.handoff/owner.json): its Singer state and run history are that project's.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { makeFolders } from '../make-folders.js';
import { randomHex } from '../random-suffix.js';

/** Written at a workspace's first run; removing it hands the workspace (state and history) to the next project run there. */
export const OWNER_FILE = path.join('.handoff', 'owner.json');

export interface WorkspaceOwner {
  /** The project as runs record it: its name (deploy.task, else its folder's name) and its folder, resolved. */
  project: { name: string; dir: string };
  /** The stage of the latest run there: the stage whose Singer state (artifacts/state.json) the next run resumes from. */
  stage: string;
}

/** What a run must say before it starts, and the owner to record once it is recorded (undefined: unchanged). */
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

/**
 * A workspace keeps one Singer state (artifacts/state.json, handed to the tap as `_state_file`) and one run history,
 * as the original did: run there by another project, its tap would resume after the first project's bookmark and
 * fetch nothing, with exit 0. So the first run records its project; a run of another project is refused (exit 2) while
 * the recorded project's folder still holds a project.yml. A recorded folder that holds none now (the project was
 * moved or renamed) is taken as this project's old place, with a warning. A different stage of the same project is
 * allowed (the original kept one state per workspace) with a warning naming the stage whose state it resumes from.
 * Workspaces of earlier handoffs, which have no record, are recorded for the project run first.
 */
export function checkWorkspaceOwner(input: { workspaceDir: string; projectDir: string; projectName: string; stage: string }): OwnerCheck {
  const workspace = path.resolve(input.workspaceDir);
  const file = path.join(workspace, OWNER_FILE);
  const dir = realOrResolved(input.projectDir);
  const current: WorkspaceOwner = { project: { name: input.projectName, dir }, stage: input.stage };
  const owner = readOwner(file);
  if (owner === undefined) return { warnings: [], record: current };
  const warnings: string[] = [];
  if (owner.project.dir !== dir) {
    if (fs.existsSync(path.join(owner.project.dir, 'project.yml'))) {
      throw new UserError(
        `the workspace ${workspace} belongs to project ${owner.project.dir} (${owner.project.name}), and this run is of project ${dir} (${input.projectName}): ` +
          `its Singer state (artifacts/state.json) and run history are the other project's, and a tap resuming from that state would fetch the wrong records; nothing was run`,
        {
          fix: `use a workspace per project (e.g. -w ${path.join(path.dirname(workspace), `${path.basename(dir)}-workspace`)}); ` +
            `to hand this workspace over to ${dir}, its state and history included, remove ${file}`,
        },
      );
    }
    warnings.push(
      `the workspace ${workspace} belonged to project ${owner.project.dir}, which holds no project.yml now: taken as moved to ${dir}, which now owns the workspace ` +
        `(its Singer state and runs; if this is another project, use a workspace of its own)`,
    );
    return { warnings, record: current };
  }
  if (owner.stage !== input.stage && owner.stage !== '') {
    if (fs.existsSync(path.join(workspace, 'artifacts', 'state.json'))) {
      warnings.push(
        `the last run in this workspace was of stage ${owner.stage}: this run of stage ${input.stage} resumes from its Singer state (artifacts/state.json), as the original kept one state per workspace ` +
          `(use a workspace per stage, e.g. -w ${workspace}-${input.stage}, to keep the stages' states apart)`,
      );
    }
    return { warnings, record: current };
  }
  return { warnings, record: owner.project.name !== input.projectName ? current : undefined };
}

/** Records the workspace's owner (atomically: a reader sees the old record or the new one). */
export function recordWorkspaceOwner(workspaceDir: string, owner: WorkspaceOwner): void {
  const file = path.join(path.resolve(workspaceDir), OWNER_FILE);
  makeFolders(path.dirname(file));
  const temp = `${file}.${randomHex(8)}.handoff-tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(owner, null, 2)}\n`);
  fs.renameSync(temp, file);
}
