// Whether a pid still names the process it named when recorded: pids are reused, start times are not (Linux /proc).
import fs from 'node:fs';

/** Clock ticks per second of /proc times (USER_HZ: 100 on every Linux architecture Node.js runs on). */
const TICKS_PER_SECOND = 100;

export interface ProcessStat {
  pid: number;
  /** R, S, D, Z (a zombie: dead, waiting to be reaped), … */
  state: string;
  ppid: number;
  /** Process group and session. */
  pgrp: number;
  sid: number;
  /** Start time in clock ticks since boot, as recorded text: two processes that share a pid never share it. */
  startTicks: string;
}

/** Fields 3 to 6 and 22 of /proc/<pid>/stat; undefined when the process is gone or there is no /proc. */
export function readProcessStat(pid: number): ProcessStat | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so count the fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pid, state: fields[0], ppid: Number(fields[1]), pgrp: Number(fields[2]), sid: Number(fields[3]), startTicks: fields[19] };
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

/** The process's start time in ticks since boot (see ProcessStat), to record beside its pid. */
export function readProcessStartTicks(pid: number): string | undefined {
  return readProcessStat(pid)?.startTicks;
}

function readBootTime(): number | undefined {
  try {
    const line = /^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'));
    return line ? Number(line[1]) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** When a process started, in ms since the epoch (to about a second); undefined when gone or without /proc. */
export function readProcessStartTime(pid: number): number | undefined {
  const ticks = readProcessStartTicks(pid);
  const boot = readBootTime();
  if (ticks === undefined || boot === undefined) return undefined;
  return boot + (Number(ticks) * 1000) / TICKS_PER_SECOND;
}

/** The process's command line arguments; undefined when gone or without /proc. */
export function readProcessArgs(pid: number): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}
