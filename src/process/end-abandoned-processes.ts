// Ends the processes an abandoned run left behind (its handoff and launchers killed), recognised beyond pid reuse.
import fs from 'node:fs';
import { killProcessGroup } from './kill-process-group.js';
import { listProcessStats, readProcessStat, type ProcessStat } from './process-identity.js';

/** A command's launcher (or a command) as a run record keeps it: its pid and its start time in clock ticks since boot. */
export interface RecordedLauncher {
  pid: number;
  startTicks?: string;
}

/** What identifies an abandoned run's processes. */
export interface AbandonedRun {
  /** Launchers running when the record was last written. */
  launchers: RecordedLauncher[];
  /** The commands running then, each the leader of a process group of its own (its launcher made it so). */
  commands?: RecordedLauncher[];
  /** `NAME=value` in the environment of every process the run started (handoff sets HANDOFF_RUN_ID). */
  environmentMarker: string;
}

function listProcesses(): ProcessStat[] {
  return (listProcessStats() ?? []).filter((p) => p.state !== 'Z');
}

function hasEnvironmentMarker(pid: number, marker: string): boolean {
  try {
    const environ = fs.readFileSync(`/proc/${pid}/environ`);
    // Entries are NUL-separated; a marker must be a whole entry, not the tail of another value.
    return environ.indexOf(`\0${marker}\0`) !== -1 || environ.subarray(0, marker.length + 1).equals(Buffer.from(`${marker}\0`));
  } catch {
    return false; // gone, or another user's process (which we could not signal anyway)
  }
}

/** This process and its ancestors: never candidates, whatever their environment says. */
function selfAndAncestors(): Set<number> {
  const mine = new Set<number>([process.pid]);
  for (let pid = process.ppid; pid > 1 && !mine.has(pid); ) {
    mine.add(pid);
    pid = readProcessStat(pid)?.ppid ?? 0;
  }
  return mine;
}

/**
 * The abandoned run's live processes, each with the start time that tells it from a later process given the same pid:
 * - a recorded launcher whose start time still matches;
 * - members of a recorded command's process group, when that pid is free or still the command's (a group id is not
 *   given to a new process while any member lives, so the group is the command's): what the command started and left
 *   in its group, even with its environment cleared (`env -i …`); and members of a launcher's session, for records
 *   written when each launcher led a session of its own;
 * - any process carrying the run's environment marker, which only the run's own processes inherit (this finds what
 *   left the command's group, e.g. a `setsid` daemon whose launcher was killed too).
 */
function findRunProcesses(run: AbandonedRun): ProcessStat[] {
  const all = listProcesses();
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const mine = selfAndAncestors();
  const launchers = new Set<number>();
  for (const launcher of run.launchers) {
    const live = byPid.get(launcher.pid);
    if (!live || launcher.startTicks === undefined || live.startTicks === launcher.startTicks) launchers.add(launcher.pid);
  }
  const groups = new Set<number>();
  for (const command of run.commands ?? []) {
    const live = byPid.get(command.pid);
    if (!live || (command.startTicks !== undefined && live.startTicks === command.startTicks)) groups.add(command.pid);
  }
  return all.filter(
    (p) =>
      !mine.has(p.pid) &&
      (launchers.has(p.sid) || launchers.has(p.pid) || groups.has(p.pgrp) || hasEnvironmentMarker(p.pid, run.environmentMarker)),
  );
}

function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Sends `signal` to each process that is still the same process (same start time); returns those signalled. */
function signalSame(processes: ProcessStat[], signal: NodeJS.Signals): ProcessStat[] {
  const signalled: ProcessStat[] = [];
  for (const p of processes) {
    const now = readProcessStat(p.pid);
    if (!now || now.state === 'Z' || now.startTicks !== p.startTicks) continue;
    try {
      process.kill(p.pid, signal);
      signalled.push(p);
    } catch {
      // ended meanwhile, or not ours to signal
    }
  }
  return signalled;
}

function stillAlive(processes: ProcessStat[]): ProcessStat[] {
  return processes.filter((p) => {
    const now = readProcessStat(p.pid);
    return now !== undefined && now.state !== 'Z' && now.startTicks === p.startTicks;
  });
}

/** Waits up to `ms` for the processes to be gone; returns those still alive. */
function waitGone(processes: ProcessStat[], ms: number): ProcessStat[] {
  const until = Date.now() + ms;
  let alive = stillAlive(processes);
  while (alive.length > 0 && Date.now() < until) {
    pause(50);
    alive = stillAlive(alive);
  }
  return alive;
}

/**
 * Ends what an abandoned run left running: SIGTERM, the grace period, then SIGKILL. Each process is signalled once,
 * only while it is still the same process. A live launcher is asked first and given the time to end its command
 * itself (it knows the whole tree, new sessions included); what is left after that is ended directly. Returns the pids
 * that were signalled. Synchronous, like the lock takeover it follows: nothing of the new run starts meanwhile.
 */
export function endAbandonedProcesses(run: AbandonedRun, graceMs: number): number[] {
  const ended = new Set<number>();
  const launchers = findRunProcesses(run).filter((p) => run.launchers.some((l) => l.pid === p.pid));
  for (const p of signalSame(launchers, 'SIGTERM')) ended.add(p.pid);
  // The launcher's own ladder: its grace period after SIGTERM, a moment more after SIGKILL.
  waitGone(launchers, graceMs + 2500);

  const rest = findRunProcesses(run);
  for (const p of signalSame(rest, 'SIGTERM')) ended.add(p.pid);
  const stubborn = waitGone(rest, graceMs);
  for (const p of signalSame(stubborn, 'SIGKILL')) ended.add(p.pid);
  waitGone(stubborn, 1000);
  return [...ended];
}

/** Whether `pid` runs handoff-launch (its argv[0], as a worker starts a pipeline command's launcher). */
function isLauncher(pid: number): boolean {
  try {
    const argv0 = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    return argv0 === 'handoff-launch' || argv0.endsWith('/handoff-launch');
  } catch {
    return false;
  }
}

/**
 * Ends the commands a dead launcher (a worker killed with `kill -9`) may have left running that handoff never heard of
 * (it died before its `pid` report was out): a process of the run (its environment marker) that leads a process group
 * of its own and whose parent is neither handoff nor a process of the run (a launcher, a command) was started by a
 * launcher that is gone; `deadLauncher` counts as gone even while the kernel has not yet handed its children on. Each
 * such group gets SIGKILL, as the launcher's own death gave its command no chance to end well. A pipeline command's
 * launcher the worker's death caught before it led a group of its own (still in the worker's, or not yet past its
 * exec) is found too and gets SIGTERM alone: it reads it once it runs and ends its command's tree. Returns the pids.
 */
export function endOrphanedCommandGroups(environmentMarker: string, deadLauncher: number): number[] {
  const mine = selfAndAncestors();
  const ofRun = new Set(
    listProcesses()
      .filter((p) => !mine.has(p.pid) && hasEnvironmentMarker(p.pid, environmentMarker))
      .map((p) => p.pid),
  );
  const ended: number[] = [];
  for (const pid of ofRun) {
    const p = readProcessStat(pid);
    if (!p || p.ppid === process.pid) continue;
    if (p.ppid !== deadLauncher && ofRun.has(p.ppid)) continue;
    if (p.pgrp !== pid) {
      // Its launcher was alone in being able to end it otherwise: under `--alive` it would start its command and keep
      // it running until handoff exits (a long-lived handoff: never). Not a group of its own: the process alone, and
      // only while it is still the process read above (its start time): its pid may have been reused since.
      if (isLauncher(pid) && signalSame([p], 'SIGTERM').length > 0) ended.push(pid);
      continue;
    }
    // A pipeline command's own launcher, left by the dead worker (handoff-launch.c `launch`): SIGTERM makes it end its
    // command's whole tree, which a SIGKILL of its group alone would leave running, out of reach (its command leads a
    // group of its own below it, and is skipped above as the child of a process of the run).
    const launcher = isLauncher(pid);
    if (killProcessGroup(pid, launcher ? 'SIGTERM' : 'SIGKILL')) ended.push(pid);
  }
  return ended;
}
