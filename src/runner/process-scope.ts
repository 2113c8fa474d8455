// Groups the processes of a run or a task so a timeout or an interrupt can end exactly those, and nothing new starts after.
import type { RunningCommand, TerminationReason } from '../process/spawn-command.js';

export class ProcessScope {
  private readonly live = new Set<RunningCommand>();
  private readonly children = new Set<ProcessScope>();
  /** Why this scope was stopped; once set, no new process may start in it. */
  stopReason?: TerminationReason;

  constructor(private readonly parent?: ProcessScope) {
    parent?.children.add(this);
  }

  createChild(): ProcessScope {
    const child = new ProcessScope(this);
    if (this.stopReason) child.stopReason = this.stopReason;
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
  stop(reason: TerminationReason): void {
    if (!this.stopReason) this.stopReason = reason;
    for (const command of this.live) command.terminate(reason);
    for (const child of this.children) child.stop(reason);
  }
}
