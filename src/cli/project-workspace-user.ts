// The project -p names, as the workspace owner rule knows it: for commands that read or write a workspace given with -w.
import path from 'node:path';
import { loadProject } from '../project/load-project.js';
import { checkWorkspaceOwner, warnOfOtherOwner, type WhereGiven, type WorkspaceUser } from '../workspace/workspace-owner.js';
import type { ConsoleLog } from './console-log.js';

/**
 * -p's project by its name (deploy.task, else its folder's) and folder. A command that only reads (`command` undefined)
 * does not fail on a project.yml it cannot load: folders decide ownership, the name matters only against a store's copy.
 */
async function workspaceUserOf(projectDir: string, command?: string): Promise<WorkspaceUser> {
  try {
    const { project } = await loadProject(projectDir);
    return { projectName: project.deploy.task ?? path.basename(project.dir), projectDir: project.dir, ...(command ? { command } : {}) };
  } catch (error) {
    // Refused with every problem at once, as config validate refuses it (a structure with its template errors).
    if (command) throw await (await import('./add-written-template-problems.js')).addWrittenTemplateProblems(error);
    return { projectName: path.basename(path.resolve(projectDir)), projectDir };
  }
}

/**
 * With -p, what reading the workspace means for its owner: a command that writes there (`command`, e.g. `runs state
 * --restore`) is refused in another project's workspace as runs are (exit 2, nothing written); one that only reads is
 * warned once on stderr (never on --json's stdout) that what it shows is the other project's. Returns the user for a
 * second check under the workspace lock; undefined without -p (a workspace read on its own is its owner's).
 */
export async function checkProjectWorkspace(projectDir: string | undefined, workspaceDir: string, log: ConsoleLog, command?: string, given?: WhereGiven): Promise<WorkspaceUser | undefined> {
  if (!projectDir) return undefined;
  const user = await workspaceUserOf(projectDir, command);
  if (command) {
    // Checked only: reading or restoring what is there does not make -p's project its owner.
    checkWorkspaceOwner({ workspaceDir, ...user });
    return user;
  }
  const warning = warnOfOtherOwner({ workspaceDir, ...user }, given);
  if (warning) log.log('warning', warning);
  return user;
}
