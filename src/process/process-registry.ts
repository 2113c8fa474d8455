// Tracks every live process group handoff started, so signals and exits can end them all (no orphans).
import { killProcessGroup } from './kill-process-group.js';

const liveGroups = new Set<number>();
let exitHookInstalled = false;

/** Remembers a process group leader until it exits. */
export function registerProcessGroup(pid: number): void {
  liveGroups.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Last line of defence: whatever way handoff's own process ends (except SIGKILL), its groups go with it.
    process.on('exit', () => killAllProcessGroups('SIGKILL'));
  }
}

export function unregisterProcessGroup(pid: number): void {
  liveGroups.delete(pid);
}

/** Sends a signal to every live process group; used on SIGINT/SIGTERM and at exit. */
export function killAllProcessGroups(signal: NodeJS.Signals): void {
  for (const pid of liveGroups) killProcessGroup(pid, signal);
}

export function countLiveProcessGroups(): number {
  return liveGroups.size;
}
