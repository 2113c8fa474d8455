// Renders one project command and turns it into a spawn spec: command line, venv environment, stderr reporting.
import path from 'node:path';
import type { Command } from '../project/types.js';
import type { CommandSpec, OutputFile, StdioEnd } from '../process/spawn-command.js';
import { dropFinalNewline, tidyCommandLine } from '../template/tidy-command-line.js';
import { byteMaskerOf } from '../secrets/mask.js';
import type { TaskContext } from './task-context.js';

/** Keeps the last lines of a process's stderr so a failure can show them. */
export class StderrTail {
  private readonly lines: string[] = [];
  constructor(private readonly max = 20) {}
  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
  }
  get(): string[] {
    return [...this.lines];
  }
}

/** The text of a command as written: `command` and `args` form one shell line. */
export function renderCommandLine(command: Command, ctx: TaskContext): string {
  return renderCommandLineWith(command, ctx, ctx.values);
}

/** renderCommandLine with template values of its own (a foreach line's, made without a TaskContext of its own). */
export function renderCommandLineWith(command: Command, ctx: Pick<TaskContext, 'renderer'>, values: Record<string, unknown>): string {
  const template = command.args !== undefined && command.args !== '' ? `${command.command} ${command.args}` : command.command;
  return dropFinalNewline(ctx.renderer.render(template, values, command.path));
}

/** A readable name for logs: the program's base name (`tap-rates`), not the whole line. */
export function displayNameOf(commandLine: string): string {
  const first = commandLine.trim().split(/\s+/)[0] ?? 'command';
  return path.basename(first) || 'command';
}

/**
 * A venv's environment per run environment, made once: a foreach line's command in a venv got a copy of the whole
 * environment per line (about 50 variables), which the launcher then compared with its own per line again.
 */
const venvEnvironments = new WeakMap<NodeJS.ProcessEnv, Map<string, NodeJS.ProcessEnv>>();

/**
 * The environment of a command: the run's environment, with its venv's bin/ first on PATH. The same object for every
 * command of the same venv in the same run environment: read it, never change it.
 */
export function environmentFor(command: Command, ctx: TaskContext): NodeJS.ProcessEnv {
  if (!command.venv) return ctx.env;
  const venvDir = path.join(ctx.workspaceDir, command.venv);
  let byVenv = venvEnvironments.get(ctx.env);
  if (!byVenv) {
    byVenv = new Map();
    venvEnvironments.set(ctx.env, byVenv);
  }
  let env = byVenv.get(venvDir);
  if (!env) {
    env = {
      ...ctx.env,
      VIRTUAL_ENV: venvDir,
      PATH: `${path.join(venvDir, 'bin')}${path.delimiter}${ctx.env.PATH ?? ''}`,
    };
    byVenv.set(venvDir, env);
  }
  return env;
}

export interface PreparedCommand {
  spec: CommandSpec;
  commandLine: string;
  maskedCommandLine: string;
  tail: StderrTail;
  timeoutMs?: number;
}

/** A `commands:` task's stderr artifact (artifacts/<task>_stderr.log), which its processes' lines are appended to. */
export interface StderrArtifact {
  /** Relative to the workspace. */
  path: string;
  /** Appends the masked bytes of a piece of stderr, exactly as written (latin1 text: one character per byte). */
  write: (bytes: string) => void;
}

/**
 * Prepares the spawn of one command. Stderr lines are masked, reported as events, kept as a tail and, for a
 * `commands:` task, written to the task's stderr artifact byte for byte. A pipeline's stderr is no artifact (SPEC §5): the run keeps
 * each process's whole stderr under runs/<run_id>/.
 */
export function prepareCommand(
  command: Command,
  ctx: TaskContext,
  io: {
    taskName: string;
    stdin: StdioEnd;
    stdout: StdioEnd | OutputFile;
    stderrArtifact?: StderrArtifact;
    /** The command line as already rendered for this very command (a foreach line's first command sent ahead). */
    rendered?: string;
  },
): PreparedCommand {
  const commandLine = io.rendered ?? renderCommandLine(command, ctx);
  // Logs and records show the command tidied (no double space left by an empty `{% if %}`); it runs as rendered.
  const maskedCommandLine = tidyCommandLine(ctx.masker.mask(commandLine));
  // The name prefixes console lines and names keys and log files, none of which is masked as text later: it comes
  // from the masked line (`pw-{{ DB_PASSWORD }}-tool` is named `pw-***-tool`).
  const name = displayNameOf(maskedCommandLine);
  const tail = new StderrTail();
  const byteMasker = byteMaskerOf(ctx.masker);
  let pid: number | undefined;
  const spec: CommandSpec = {
    name,
    commandLine,
    cwd: ctx.workspaceDir,
    env: environmentFor(command, ctx),
    stdin: io.stdin,
    stdout: io.stdout,
    timeoutMs: command.timeout !== undefined ? command.timeout * 1000 : undefined,
    graceMs: ctx.graceMs,
    longLineCutter: byteMasker,
    onStarted: (started) => {
      pid = started.pid;
      ctx.emit({
        type: 'process_started',
        task: io.taskName,
        name,
        pid,
        commandLine: maskedCommandLine,
        launcher: { pid: started.launcherPid, startTicks: started.launcherStartTicks },
        stderrLog: io.stderrArtifact?.path ?? ctx.stderrLogOf(io.taskName, name),
      });
    },
    onStderrLine: (text, bytes) => {
      const line = ctx.masker.mask(text);
      // The logs that keep stderr whole get its bytes (invalid UTF-8, `\r`, no newline at the end), masked as bytes.
      const raw = byteMasker.mask(bytes);
      tail.push(line);
      io.stderrArtifact?.write(raw);
      ctx.emit({ type: 'stderr_line', task: io.taskName, process: name, pid, line, raw });
    },
  };
  return { spec, commandLine, maskedCommandLine, tail };
}
