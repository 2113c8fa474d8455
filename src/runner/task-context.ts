// What every task of a run shares while it executes: paths, template values, environment, rendering, masking, events.
import type { CommandLauncher } from '../process/spawn-command.js';
import type { Renderer } from '../template/render.js';
import type { Masker } from '../secrets/mask.js';
import type { RunEvent } from './events.js';
import type { ProcessScope } from './process-scope.js';

export interface TaskContext {
  workspaceDir: string;
  artifactsDir: string;
  /** Template values for this task (run context plus `_task`, and `_line`/`_line_safe` inside foreach). */
  values: Record<string, unknown>;
  /** Environment of every command: handoff's own environment plus the project's `envs`. */
  env: NodeJS.ProcessEnv;
  renderer: Renderer;
  masker: Masker;
  /** Grace period between SIGINT/SIGTERM and the next, harder signal. */
  graceMs: number;
  emit: (event: RunEvent) => void;
  scope: ProcessScope;
  /** Adds `_line`/`_line_safe` for one foreach line. */
  withLine: (values: Record<string, unknown>, line: string) => Record<string, unknown>;
  /** Turns a foreach line into the suffix of sub-task names and log files. */
  toLineSafe: (line: string) => string;
  /** The run's own log of a process's whole stderr (under runs/<run_id>/), relative to the workspace. */
  stderrLogOf: (task: string, processName: string) => string;
  /** The log names of the project's tasks (taskLogNames): a foreach line named like one is refused before it starts. */
  taskLogNames?: ReadonlyMap<string, { name: string; path: string }>;
  /** How `commands:` tasks start their commands: the run's long-lived launcher, or a foreach line's (else one launcher each). */
  launcher?: CommandLauncher;
}
