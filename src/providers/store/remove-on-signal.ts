// Removes a staging folder when SIGINT, SIGTERM or SIGHUP arrives while it stands, without ever losing the signal.
import { rmSync } from 'node:fs';

const STAGING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Removes `dir` when SIGINT, SIGTERM or SIGHUP arrives while it stands (returns the uninstaller): a stop between the
 * staging and the move into the workspace would otherwise leave a full copy of files/ to the one-day sweep. The
 * listener runs first, removes the folder, then takes itself off, so the signal then does what it would have done
 * without it: the other listeners (the process registry's, a run's) get it as before, and with none the signal is
 * raised again and ends the process as Node's default does (killed by that signal).
 *
 * The uninstaller takes the listener off only after a full turn of the event loop. Node.js hands a caught signal to
 * its listeners in libuv's poll phase, and drops it when the last listener is gone by then: a SIGTERM caught just
 * before the uninstall (e.g. while the folder was being removed) was lost, and the run it should have stopped went on
 * (a `scheduler stop --stop-runs` left a run and its commands running). After one poll phase every signal caught
 * before the uninstall has reached the listener.
 */
export function removeOnSignal(dir: string): () => void {
  const off = (): void => {
    for (const signal of STAGING_SIGNALS) process.off(signal, listener);
  };
  function listener(signal: NodeJS.Signals): void {
    // Synchronous: the process may end right after this listener (no later turn of the event loop). Removed before
    // the listener is taken off: while it is on, a second signal during the removal is held by Node, not the
    // default action that would end the process with the folder half removed.
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: what is left is the sweep's.
    }
    off();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  }
  for (const signal of STAGING_SIGNALS) process.prependListener(signal, listener);
  // The second setImmediate runs after the poll phase of the loop's next turn (the first runs in this turn's check
  // phase, which may come before the poll phase has read a signal caught just now).
  return () => setImmediate(() => setImmediate(off));
}
