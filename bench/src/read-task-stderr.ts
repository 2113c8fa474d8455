// Reads what a task's processes wrote to stderr in the workspace's newest run, wherever the run keeps it.
import fs from 'node:fs';
import path from 'node:path';

/**
 * A `commands:` task's stderr is the artifact `artifacts/<task>_stderr.log`; a pipeline's processes' stderr is kept
 * only with the run, as `runs/<run id>/<task>.<process>.stderr.log` (SPEC §5). Returns all of it, joined.
 */
export function readTaskStderr(workspaceDir: string, task: string): string {
  const texts: string[] = [];
  const artifact = path.join(workspaceDir, 'artifacts', `${task}_stderr.log`);
  if (fs.existsSync(artifact)) texts.push(fs.readFileSync(artifact, 'utf8'));
  const runsDir = path.join(workspaceDir, 'runs');
  // Run ids start with their UTC start time, so the newest run's folder sorts last.
  const newest = fs.existsSync(runsDir) ? fs.readdirSync(runsDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort().pop() : undefined;
  if (newest) {
    for (const name of fs.readdirSync(path.join(runsDir, newest)).sort()) {
      if (name.startsWith(`${task}.`) && name.endsWith('.stderr.log')) texts.push(fs.readFileSync(path.join(runsDir, newest, name), 'utf8'));
    }
  }
  if (texts.length === 0) throw new Error(`no stderr of task ${task} in ${workspaceDir} (neither ${artifact} nor under runs/)`);
  return texts.join('\n');
}
