// Renders one project command and turns it into a spawn spec: command line, venv environment, stderr reporting.
import path from 'node:path';
import type { Command } from '../project/types.js';
import type { CommandSpec, StdioEnd } from '../process/spawn-command.js';
import { tidyCommandLine } from '../template/tidy-command-line.js';
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
  const template = command.args !== undefined && command.args !== '' ? `${command.command} ${command.args}` : command.command;
  return ctx.renderer.render(template, ctx.values, command.path);
}

/** A readable name for logs: the program's base name (`tap-rates`), not the whole line. */
export function displayNameOf(commandLine: string): string {
  const first = commandLine.trim().split(/\s+/)[0] ?? 'command';
  return path.basename(first) || 'command';
}

/** The environment of a command: the run's environment, with its venv's bin/ first on PATH. */
export function environmentFor(command: Command, ctx: TaskContext): NodeJS.ProcessEnv {
  if (!command.venv) return ctx.env;
  const venvDir = path.join(ctx.workspaceDir, command.venv);
  return {
    ...ctx.env,
    VIRTUAL_ENV: venvDir,
    PATH: `${path.join(venvDir, 'bin')}${path.delimiter}${ctx.env.PATH ?? ''}`,
  };
}

export interface PreparedCommand {
  spec: CommandSpec;
  commandLine: string;
  maskedCommandLine: string;
  tail: StderrTail;
  timeoutMs?: number;
}

/**
 * Prepares the spawn of one command. Stderr lines are masked, reported as events, kept as a tail and written to the
 * task's stderr log (prefixed with the command's name inside a pipeline, where several commands share the file).
 */
export function prepareCommand(
  command: Command,
  ctx: TaskContext,
  io: { taskName: string; stdin: StdioEnd; stdout: StdioEnd; writeStderr: (line: string) => void; prefixStderr: boolean },
): PreparedCommand {
  const commandLine = renderCommandLine(command, ctx);
  const name = displayNameOf(commandLine);
  const tail = new StderrTail();
  const spec: CommandSpec = {
    name,
    commandLine,
    cwd: ctx.workspaceDir,
    env: environmentFor(command, ctx),
    stdin: io.stdin,
    stdout: io.stdout,
    timeoutMs: command.timeout !== undefined ? command.timeout * 1000 : undefined,
    graceMs: ctx.graceMs,
    onStderrLine: (raw) => {
      const line = ctx.masker.mask(raw);
      tail.push(line);
      io.writeStderr(io.prefixStderr ? `${name}: ${line}` : line);
      ctx.emit({ type: 'stderr_line', task: io.taskName, process: name, line });
    },
  };
  // Logs and records show the command tidied (no double space left by an empty `{% if %}`); it runs as rendered.
  return { spec, commandLine, maskedCommandLine: tidyCommandLine(ctx.masker.mask(commandLine)), tail };
}
