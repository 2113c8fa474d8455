// Decides whether a process's end is a failure and of which class (pipefail rules with bash's SIGPIPE exception).
import { constants } from 'node:os';
import type { ProcessExit } from '../process/spawn-command.js';
import type { FailureClass } from './events.js';

/** The signal behind an exit: the one that killed the process, or the one a shell reported as 128+N. */
export function signalOf(exit: ProcessExit): string | null {
  if (exit.signal) return exit.signal;
  if (exit.exitCode !== null && exit.exitCode > 128 && exit.exitCode <= 128 + 64) {
    const n = exit.exitCode - 128;
    const name = Object.entries(constants.signals).find(([, v]) => v === n)?.[0];
    return name ?? null;
  }
  return null;
}

/**
 * Whether a process ended of a broken pipe to its downstream: SIGPIPE (or 141, which is how the `/bin/sh` around every
 * command reports its child's SIGPIPE) while its stdout pipe had no reader left, i.e. after its downstream had
 * stopped reading. A plain `exit 141`, or a SIGPIPE from some other pipe of its own, while the downstream still reads
 * (bash -o pipefail returns 141 when its own pipeline broke) is not that: it is a failure like any other.
 */
export function endedByBrokenPipe(exit: ProcessExit): boolean {
  return exit.stdoutReaderGone === true && (exit.signal === 'SIGPIPE' || (exit.signal === null && exit.exitCode === 141));
}

/**
 * Classifies how a process ended. `downstreamSucceeded` is true when every command after it in its pipeline
 * exited 0: then a broken pipe is not a failure (like `yes | head -n 1`, which users expect to pass; SPEC §5 forgives
 * an upstream ended by SIGPIPE only after its downstream exited 0).
 */
export function classifyExit(exit: ProcessExit, downstreamSucceeded: boolean): FailureClass | undefined {
  if (exit.startError) return 'start_failure';
  if (exit.terminatedBy === 'timeout') return 'timeout';
  if (exit.terminatedBy === 'interrupted') return 'interrupted';
  const signal = signalOf(exit);
  if (exit.terminatedBy === 'pipeline_failed') return undefined;
  if (downstreamSucceeded && endedByBrokenPipe(exit)) return undefined;
  if (exit.exitCode === 0 && !exit.signal) return undefined;
  if (exit.exitCode === 127) return 'command_not_found';
  // SIGKILL that handoff did not send: almost always the kernel's out-of-memory killer (ECS reports it the same way).
  if (signal === 'SIGKILL') return 'out_of_memory';
  if (signal) return 'signal';
  return 'exit_code';
}

/** Whether a process ended by itself with exit 0 and no signal. */
export function endedCleanly(exit: ProcessExit): boolean {
  return exit.exitCode === 0 && !exit.signal;
}

/**
 * How a clean end (exit 0, no signal) counts in a pipeline that another part's failure stopped. A stop can reach the
 * launcher just as its command ends of itself (a fork child that had read all its input and written its result): that
 * end is the command's own when its input was whole, i.e. everything upstream of it ended cleanly. A command whose
 * input handoff cut short (it killed the upstream) also exits 0, with a result of part of the data (`wc -l`): that end
 * is handoff's doing, even when no stop reached the command itself.
 */
export function ownEndOf(exit: ProcessExit, inputComplete: boolean, stoppedByPipeline = false): ProcessExit {
  if (!endedCleanly(exit)) return exit;
  if (exit.terminatedBy === 'pipeline_failed' && inputComplete) return { ...exit, terminatedBy: undefined };
  if (exit.terminatedBy === undefined && !inputComplete && stoppedByPipeline) return { ...exit, terminatedBy: 'pipeline_failed' };
  return exit;
}

/** The exit code a task reports: the process's own, or 128 + signal number like a shell. */
export function exitCodeOf(exit: ProcessExit): number {
  if (exit.exitCode !== null) return exit.exitCode;
  if (exit.signal) return 128 + (constants.signals[exit.signal] ?? 0);
  return 1;
}
