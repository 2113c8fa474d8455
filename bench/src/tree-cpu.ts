// The CPU time of a whole process tree (a process and every descendant it reaped), read with the shell's `times`.

/**
 * A prefix that runs a command under /bin/sh, throws its output away and then prints the shell's `times`: its second
 * line is the user and system time of every child the shell reaped, which holds what each of them reaped in turn (a
 * foreach's commands reaped by handoff's launcher, the launcher and the upstream reaped by handoff). No tool beyond
 * POSIX sh, and the command is timed as a child, so the wall time of such a run is not the row to read.
 */
export const TREE_CPU_PREFIX = ['/bin/sh', '-c', '"$@" > /dev/null 2>&1; status=$?; times; exit $status', 'tree-cpu'];

/** One `times` field: `1m2.500000s` (dash, bash) or `1m2.50s` (ksh, busybox) in milliseconds. */
function fieldMs(field: string): number {
  const match = /^(\d+)m(\d+(?:\.\d+)?)s$/.exec(field);
  if (!match) throw new Error(`not a \`times\` field: ${JSON.stringify(field)}`);
  return (Number(match[1]) * 60 + Number(match[2])) * 1000;
}

/** The children's user + system time (ms) from what `times` printed: its second line. */
export function parseChildrenCpuMs(timesOutput: string): number {
  const lines = timesOutput.trim().split('\n');
  const children = lines[lines.length - 1]?.trim().split(/\s+/) ?? [];
  if (lines.length < 2 || children.length !== 2) throw new Error(`unexpected output of \`times\`: ${JSON.stringify(timesOutput)}`);
  return fieldMs(children[0]) + fieldMs(children[1]);
}
