// Groups the processes of a run or a task so a timeout or an interrupt can end exactly those, and nothing new starts after.
import type { FirstSignal, RunningCommand, TerminationReason } from '../process/spawn-command.js';

/** An interrupt of the run: its exit code (130 for SIGINT, 143 for SIGTERM) and the signal its processes get first. */
export interface ScopeInterrupt {
  exitCode: number;
  firstSignal: FirstSignal;
}

export class ProcessScope {
  private readonly live = new Set<RunningCommand>();
  private readonly children = new Set<ProcessScope>();
  /** Why this scope was stopped; once set, no new process may start in it. */
  stopReason?: TerminationReason;
  /**
   * With an interrupt, the run's exit code for it (130 for SIGINT, 143 for SIGTERM): what a task left unfinished by it
   * reports when it has no code of its own (a command skipped, or one that exited 0 as its leftovers were ended).
   */
  interruptExitCode?: number;
  /** With an interrupt, the signal passed on to the processes (Ctrl-C's SIGINT), that a process started later gets too. */
  firstSignal?: FirstSignal;

  constructor(private readonly parent?: ProcessScope) {
    parent?.children.add(this);
  }

  createChild(): ProcessScope {
    const child = new ProcessScope(this);
    if (this.stopReason) child.stopReason = this.stopReason;
    child.interruptExitCode = this.interruptExitCode;
    child.firstSignal = this.firstSignal;
    return child;
  }

  /** Ends the scope's tie to its parent once its processes are done. */
  dispose(): void {
    this.parent?.children.delete(this);
  }

  get stopped(): boolean {
    return this.stopReason !== undefined;
  }

  track(command: RunningCommand): void {
    this.live.add(command);
    void command.exited.then(() => this.live.delete(command));
  }

  /** Ends every process in this scope and its child scopes, and stops new ones from starting. */
  stop(reason: TerminationReason, interrupt?: ScopeInterrupt): void {
    if (!this.stopReason) this.stopReason = reason;
    this.interruptExitCode ??= interrupt?.exitCode;
    this.firstSignal ??= interrupt?.firstSignal;
    for (const command of this.live) command.terminate(reason, this.firstSignal);
    for (const child of this.children) child.stop(reason, interrupt);
  }
}
