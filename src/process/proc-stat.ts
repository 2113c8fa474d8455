// Reads what Linux says of a process in /proc/<pid>/stat: its state, parent, group, session and start time.
import fs from 'node:fs';

export interface ProcessStat {
  pid: number;
  /** One letter: R running, S sleeping, D in the kernel, Z zombie (dead, waiting to be reaped), … */
  state: string;
  ppid: number;
  pgrp: number;
  sid: number;
  /** Start time in clock ticks since boot: with the pid, it tells a process from a later one given the same pid. */
  startTicks: number;
}

/** The process's stat, or undefined when it is gone (or there is no /proc: not Linux). */
export function readProcessStat(pid: number): ProcessStat | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // `pid (comm) state ppid pgrp session …`; comm may hold spaces and parentheses, so split after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pid, state: fields[0], ppid: Number(fields[1]), pgrp: Number(fields[2]), sid: Number(fields[3]), startTicks: Number(fields[19]) };
}

/** Every process's stat; undefined without /proc. */
export function listProcessStats(): ProcessStat[] | undefined {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return undefined;
  }
  const found: ProcessStat[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcessStat(Number(entry)); // undefined: it ended while we looked
    if (stat) found.push(stat);
  }
  return found;
}
