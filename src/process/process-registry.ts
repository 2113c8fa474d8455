// Tracks every live process group handoff started, so signals and exits can end them all (no orphans).
import { isProcessGroupAlive, killProcessGroup } from './kill-process-group.js';

/** How to signal one tracked process: by default its process group; a command under the launcher asks the launcher. */
type Signaller = (signal: NodeJS.Signals) => void;

const live = new Map<number, Signaller>();
/** The groups signalled directly (programs handoff runs for itself: podman, `$(…)` of __VARS), not through a launcher. */
const plainGroups = new Set<number>();
let exitHookInstalled = false;

/** Pause between SIGTERM and SIGKILL when handoff is ended by a signal it has no handler of its own for. */
const DEFAULT_GRACE_MS = 5000;

/** Remembers a process group leader (or a launcher, with how to signal it) until it exits. */
export function registerProcessGroup(pid: number, signaller?: Signaller): void {
  live.set(pid, signaller ?? ((signal) => killProcessGroup(pid, signal)));
  if (!signaller) plainGroups.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Last line of defence: whatever way handoff's own process ends (except SIGKILL), its groups go with it. (After a
    // SIGKILL, each launcher sees its control socket close and ends its command itself.)
    process.on('exit', () => killAllProcessGroups('SIGKILL'));
    // A signal with no handler ends Node without 'exit': the groups of its own, outside the terminal's foreground
    // group, would run on (a `podman push`, a `$(…)` of __VARS). Commands that handle signals themselves (a run)
    // have their own listener, and this one then stands aside.
    for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(name, () => endGroupsAndDie(name));
  }
}

export function unregisterProcessGroup(pid: number): void {
  live.delete(pid);
  plainGroups.delete(pid);
}

/**
 * Ends every group as a run would (SIGTERM, the grace period, SIGKILL), then dies of `signal` as handoff would have
 * without this handler. Blocking is fine here: handoff is going anyway, and nothing else may start meanwhile.
 */
function endGroupsAndDie(signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP'): void {
  if (process.listenerCount(signal) > 1) return;
  for (const pid of plainGroups) killProcessGroup(pid, 'SIGTERM');
  const raw = Number(process.env.HANDOFF_GRACE_SECONDS);
  const graceMs = process.env.HANDOFF_GRACE_SECONDS && Number.isFinite(raw) && raw >= 0 ? raw * 1000 : DEFAULT_GRACE_MS;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (const deadline = Date.now() + graceMs; Date.now() < deadline && [...plainGroups].some(isProcessGroupAlive); ) Atomics.wait(pause, 0, 0, 50);
  // Launchers end their commands themselves when handoff's end of their socket closes.
  for (const pid of plainGroups) killProcessGroup(pid, 'SIGKILL');
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
}

/** Sends a signal to every live process group; used on SIGINT/SIGTERM and at exit. */
export function killAllProcessGroups(signal: NodeJS.Signals): void {
  for (const signaller of live.values()) signaller(signal);
}

export function countLiveProcessGroups(): number {
  return live.size;
}
