// "Run now" from the page: checks that the workspace is free, then starts `handoff run local` as a detached process
// and waits until its run record appears; one start at a time, and a request during a start is told who holds it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnDetachedHandoff } from '../process/spawn-detached.js';
import { readRunRecord, runRecordPath } from '../runs/run-record.js';
import { listRunIds } from '../runs/run-history.js';
import { readLockHolder, workspaceLockFile } from '../workspace/workspace-lock.js';
import type { StartRunResponse } from './api-types.js';

export interface UiRunLaunch {
  /** The handoff entry script to run again (bin/handoff.js). */
  handoffEntry: string;
  projectDir: string;
  workspaceDir: string;
  runsDir: string;
  stage: string;
  /** The `-v` tokens `handoff ui` was given, passed on as they were written. */
  varTokens: string[];
  /** The other options of `handoff ui` that a run takes (`--timeout 60`, `--strict`, `-l debug`, `-a` …), as arguments. */
  runFlags?: string[];
  /** `-e` values: handed over in a file only this user can read (see envFileArgs), never as arguments `ps` shows. */
  envs?: Record<string, string>;
  /** How long to wait for the record before answering that the run is still starting. */
  waitMs?: number;
  /**
   * Told the last lines handoff printed when it ended without finishing its run's record (a full disk, a crash): the
   * page has no console, and without them it could only say that handoff stopped.
   */
  onUnfinished?: (runId: string, lastLines: string) => void;
}

export type UiRunStart =
  | { kind: 'started'; runId: string; pid: number }
  | { kind: 'starting'; pid: number }
  | { kind: 'failed'; message: string };

/** What "Run now" answers: started, still starting, refused because the workspace is busy, or failed to start. */
export type UiRunOutcome = UiRunStart | { kind: 'busy'; busy: StartRunResponse };

const POLL_MS = 50;

function findRecordOf(runsDir: string, pid: number, before: Set<string>): string | undefined {
  for (const id of listRunIds(runsDir)) {
    if (before.has(id)) continue;
    if (readRunRecord(runRecordPath(runsDir, id))?.pid === pid) return id;
  }
  return undefined;
}

/**
 * `-e` values may be secrets, and a command line is visible to every user of the machine (`ps`), so they go to the run
 * as `-e <file>` (one `key=value` a line, which `run local` reads as it reads any -e file) in the run's private
 * temporary folder (0700), removed once the run has its record. Keys and values are quoted: the file reader strips
 * one pair of outer quotes, so spaces, `#` and quotes inside come through as given (line breaks are refused by uiCommand).
 */
export function envFileArgs(folder: string, envs: Record<string, string>): string[] {
  const entries = Object.entries(envs);
  if (entries.length === 0) return [];
  const file = path.join(folder, 'envs');
  fs.writeFileSync(file, entries.map(([key, value]) => `"${key}"="${value}"\n`).join(''), { mode: 0o600 });
  return ['-e', file];
}

/** Lines of a detached run's output kept as its last words, and the size of the chunks it is read in. */
const LAST_LINES = 6;
const CHUNK_BYTES = 64 * 1024;

/**
 * The last `LAST_LINES` warnings and errors of a run's output, else its last lines. The whole file is read, in chunks:
 * handoff warns once about a file it cannot write (a full disk), and a noisy run's later lines bury that far back.
 */
/**
 * How handoff ended, then its last lines: a handoff killed by a signal (SIGKILL, the OOM killer) printed nothing about
 * it, and its last lines alone would read as if they were the reason.
 */
function describeEnd(exit: { exitCode: number | null; signal: NodeJS.Signals | null }, lastLines: string): string {
  const how = exit.signal ? `handoff was killed by ${exit.signal}` : exit.exitCode !== null ? `handoff exited with code ${exit.exitCode}` : '';
  return [how, lastLines].filter(Boolean).join('\n');
}

function readLastWords(file: string): string {
  const problems: string[] = [];
  const last: string[] = [];
  const keep = (into: string[], line: string): void => {
    into.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
    if (into.length > LAST_LINES) into.shift();
  };
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const chunk = Buffer.alloc(CHUNK_BYTES);
    let rest = '';
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, CHUNK_BYTES, null);
      const lines = (rest + chunk.toString('utf8', 0, n)).split('\n');
      rest = n === 0 ? '' : lines.pop()!;
      for (const line of lines) {
        if (line.trim() === '') continue;
        keep(last, line);
        // Its warnings and errors say why (a file it could not write: ENOSPC); INFO lines only that it went on.
        if (/ (WARNING|ERROR|CRITICAL) - |^error: /.test(line)) keep(problems, line);
      }
      if (n === 0) break;
    }
  } catch {
    // No output to read: the reason says only that handoff stopped.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  return (problems.length > 0 ? problems : last).join('\n');
}

/**
 * The run is its own process group, so it goes on when `handoff ui` stops and never gets the terminal's Ctrl-C.
 * Its stdout/stderr go to a temporary file (in the system's temporary folder, not on the workspace's disk), read when
 * it ends before writing a record (bad project, workspace busy), or when it ends leaving its record unfinished (a
 * full workspace disk: its console log under runs/ may then hold nothing of why); else its console log has everything.
 */
export async function startUiRun(launch: UiRunLaunch): Promise<UiRunStart> {
  const before = new Set(listRunIds(launch.runsDir));
  const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-ui-run-'));
  const outputFile = path.join(outputDir, 'output.log');
  const args = ['run', 'local', '-p', launch.projectDir, '-w', launch.workspaceDir, '-s', launch.stage, ...(launch.runFlags ?? [])];
  if (launch.varTokens.length > 0) args.push('-v', ...launch.varTokens);
  args.push(...envFileArgs(outputDir, launch.envs ?? {}));
  const child = spawnDetachedHandoff(launch.handoffEntry, args, {
    env: { ...process.env, HANDOFF_TRIGGER: 'ui' },
    cwd: process.cwd(),
    outputFile,
  });
  const cleanUp = (): void => fs.rmSync(outputDir, { recursive: true, force: true });
  if (child.pid === undefined) {
    const exit = await child.exited;
    cleanUp();
    return { kind: 'failed', message: `could not start handoff: ${exit.startError ?? 'unknown error'}` };
  }
  const pid = child.pid;
  let exited = false;
  void child.exited.then(() => (exited = true));
  // Once the run has its record: the -e file goes at once (it may hold secrets), the output when handoff has ended.
  const started = (runId: string): UiRunStart => {
    fs.rmSync(path.join(outputDir, 'envs'), { force: true });
    void child.exited.then((exit) => {
      if (readRunRecord(runRecordPath(launch.runsDir, runId))?.status === 'running') launch.onUnfinished?.(runId, describeEnd(exit, readLastWords(outputFile)));
      cleanUp();
    });
    return { kind: 'started', runId, pid };
  };
  const deadline = Date.now() + (launch.waitMs ?? 15_000);
  for (;;) {
    const runId = findRecordOf(launch.runsDir, pid, before);
    if (runId) return started(runId);
    if (exited) {
      // It may have written its record and ended between the look above and now (a quick run).
      const lateRunId = findRecordOf(launch.runsDir, pid, before);
      if (lateRunId) return started(lateRunId);
      const output = fs.readFileSync(outputFile, 'utf8').trim();
      cleanUp();
      const lastLines = output.split('\n').slice(-12).join('\n');
      return { kind: 'failed', message: lastLines || 'handoff run local ended without starting a run' };
    }
    if (Date.now() > deadline) {
      // Still preparing (a slow disk, a big files/ folder); the event stream will show the run when it appears.
      void child.exited.then((exit) => {
        const late = findRecordOf(launch.runsDir, pid, before);
        if (late && readRunRecord(runRecordPath(launch.runsDir, late))?.status === 'running') launch.onUnfinished?.(late, describeEnd(exit, readLastWords(outputFile)));
        cleanUp();
      });
      return { kind: 'starting', pid };
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The handoff that holds the workspace now (its lock file), with its run id when it is a run; undefined when free. */
export function findWorkspaceHolder(workspaceDir: string, runsDir: string, runningRunIds: () => string[]): StartRunResponse | undefined {
  const lock = readLockHolder(workspaceLockFile(workspaceDir));
  const running = runningRunIds();
  if (!lock && running.length === 0) return undefined;
  // The lock names a pid; the run record of the same pid gives the run id the page can link to.
  const runId = lock ? running.find((id) => readRunRecord(runRecordPath(runsDir, id))?.pid === lock.pid) : running[0];
  const holder = lock ? { pid: lock.pid, command: lock.command, since: lock.startedAt, host: lock.host } : undefined;
  const message = runId
    ? `run ${runId} is still going; one run at a time per workspace`
    : `the workspace ${workspaceDir} is in use by another handoff (pid ${lock!.pid}, "${lock!.command}", since ${lock!.startedAt}); one run at a time per workspace`;
  return { runId, pid: lock?.pid, holder, message };
}

export interface RunStarter {
  start(): Promise<UiRunOutcome>;
}

/**
 * Checks and reserves before it spawns: a start in progress holds the reservation until its run has a record (or has
 * failed), and every request meanwhile waits for it and is refused naming that run. Without this, a burst of clicks
 * would each start a Node.js process that the workspace lock then refuses.
 */
export function createRunStarter(launch: UiRunLaunch, runningRunIds: () => string[]): RunStarter {
  let inFlight: Promise<UiRunStart> | undefined;
  const holder = () => findWorkspaceHolder(launch.workspaceDir, launch.runsDir, runningRunIds);
  return {
    async start() {
      if (inFlight) {
        const outcome = await inFlight;
        if (outcome.kind === 'failed') return outcome;
        const runId = outcome.kind === 'started' ? outcome.runId : undefined;
        const message = runId ? `run ${runId} was just started by another request; one run at a time per workspace` : `a run (pid ${outcome.pid}) is just starting; one run at a time per workspace`;
        return { kind: 'busy', busy: { runId, pid: outcome.pid, message } };
      }
      const busy = holder();
      if (busy) return { kind: 'busy', busy };
      inFlight = startUiRun(launch);
      let outcome: UiRunStart;
      try {
        outcome = await inFlight;
      } finally {
        inFlight = undefined;
      }
      // Another handoff (a terminal, a second UI) took the workspace between our look and the run's own lock.
      if (outcome.kind === 'failed') {
        const late = holder();
        if (late) return { kind: 'busy', busy: late };
      }
      return outcome;
    },
  };
}
