// Tracks every live process group handoff started, so signals and exits can end them all (no orphans).
import { killProcessGroup } from './kill-process-group.js';

/** How to signal one tracked process: by default its process group; a command under the launcher asks the launcher. */
type Signaller = (signal: NodeJS.Signals) => void;

const live = new Map<number, Signaller>();
let exitHookInstalled = false;

/** Remembers a process group leader (or a launcher, with how to signal it) until it exits. */
export function registerProcessGroup(pid: number, signaller?: Signaller): void {
  live.set(pid, signaller ?? ((signal) => killProcessGroup(pid, signal)));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Last line of defence: whatever way handoff's own process ends (except SIGKILL), its groups go with it. (After a
    // SIGKILL, each launcher sees its control socket close and ends its command itself.)
    process.on('exit', () => killAllProcessGroups('SIGKILL'));
  }
}

export function unregisterProcessGroup(pid: number): void {
  live.delete(pid);
}

/** Sends a signal to every live process group; used on SIGINT/SIGTERM and at exit. */
export function killAllProcessGroups(signal: NodeJS.Signals): void {
  for (const signaller of live.values()) signaller(signal);
}

export function countLiveProcessGroups(): number {
  return live.size;
}
