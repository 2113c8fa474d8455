// A launcher still starting shares handoff's process group: a signal to that whole group reaches both, in either order.

/** The signals handoff's runs handle that a terminal, a container's stop or systemd send to a whole process group. */
const GROUP_SIGNALS = new Set<NodeJS.Signals>(['SIGINT', 'SIGTERM', 'SIGHUP']);

/** How long a launcher's end waits for handoff's own copy of the signal that killed it. */
const OWN_COPY_WAIT_MS = 1000;

/**
 * Calls `then` once handoff has handled its own copy of `signal`, the one that killed a launcher before it ran
 * anything (it leaves handoff's process group as it starts, so a signal to that whole group, such as Ctrl-C or a
 * container's stop, can end it first): the run's listener then stops the run before the launcher's command is
 * settled, and the command ends as stopped by the run's interrupt, not as killed by a signal no one sent. At once when
 * the signal is not one a run handles, no run listens (only the process registry does), or handoff already saw it.
 */
export function afterOwnCopyOf(signal: NodeJS.Signals | null, alreadySeen: boolean, then: () => void): void {
  if (signal === null || alreadySeen || !GROUP_SIGNALS.has(signal) || process.listenerCount(signal) <= 1) {
    then();
    return;
  }
  let settled = false;
  const settle = (): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    process.off(signal, settle);
    then();
  };
  const timer = setTimeout(settle, OWN_COPY_WAIT_MS);
  // Added after the run's own listener, so it runs once the run has stopped its processes' scope.
  process.on(signal, settle);
}
