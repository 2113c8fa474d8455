// Names of the log files a task writes under artifacts/ (the original's names, made safe for any task name).
import path from 'node:path';
import { toSafeFileName } from '../project/log-file-name.js';
import type { Task } from '../project/types.js';

// Where it is made: project.yml's rules check that no two tasks' log names collide (check-rules.ts).
export { toSafeFileName };

/**
 * `dir/name` for a name made by toSafeFileName (no separator, no leading dot): path.join would only normalize `dir`
 * again, which costs a foreach more than the rest of its per-line naming.
 */
export function fileIn(dir: string, name: string): string {
  return dir.endsWith(path.sep) ? `${dir}${name}` : `${dir}${path.sep}${name}`;
}

/** `file` relative to `dir` when it lies inside it (the common case, without path.relative's work), else path.relative. */
export function relativeTo(dir: string, file: string): string {
  const prefix = dir.endsWith(path.sep) ? dir : `${dir}${path.sep}`;
  return file.startsWith(prefix) && !file.includes(`${path.sep}..`) ? file.slice(prefix.length) : path.relative(dir, file);
}

export function stdoutLogPath(artifactsDir: string, taskName: string): string {
  return fileIn(artifactsDir, `${toSafeFileName(taskName)}_stdout.log`);
}

export function stderrLogPath(artifactsDir: string, taskName: string): string {
  return fileIn(artifactsDir, `${toSafeFileName(taskName)}_stderr.log`);
}

/**
 * The log names (toSafeFileName) of the project's `commands:` and `pipeline:` tasks, in groups and fork children
 * included, each with its task: what a foreach line must not be named like, or its logs would replace that task's.
 * A foreach sub-task's lines are named only as the run reads them, so they are not here.
 */
export function taskLogNames(tasks: Task[], into = new Map<string, Task>()): Map<string, Task> {
  for (const task of tasks) {
    if (task.body.kind === 'tasks') {
      taskLogNames(task.body.tasks, into);
      continue;
    }
    const name = toSafeFileName(task.name);
    if (!into.has(name)) into.set(name, task);
    if (task.body.kind === 'pipeline') for (const element of task.body.elements) if (element.kind === 'fork') taskLogNames(element.tasks, into);
  }
  return into;
}
