// What `run local` and `run` share in a terminal: the dry-run plan, Ctrl-C/SIGTERM handling and the closing summary.
import { killAllProcessGroups } from '../../process/process-registry.js';
import type { InterruptSignal, RunResult } from '../../runner/events.js';
import { executeLocalRun, type LocalRunOptions, type PreparedRun } from '../../runner/run-local.js';
import { RunInterrupt } from '../../runner/run-project.js';
import { planRun } from '../../runner/plan-run.js';
import { maskDeep } from '../../secrets/mask.js';
import { dropFinalNewline, tidyCommandLine } from '../../template/tidy-command-line.js';
import type { ConsoleLog } from '../console-log.js';
import type { GlobalOptions } from '../global-options.js';
import { formatRecordCounts } from '../../runs/singer-metrics.js';
import type { RecordedOutcome } from '../../runs/run-recorder.js';

/** Grace period override for tests and impatient users: HANDOFF_GRACE_SECONDS. */
export function graceFromEnv(): number | undefined {
  const raw = process.env.HANDOFF_GRACE_SECONDS;
  if (!raw) return undefined;
  const seconds = Number(raw);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** What `_line` and `_line_safe` show as in a `--dry-run` of commands that run once per foreach line. */
const LINE_STAND_IN = { _line: '<line>', _line_safe: '<line_safe>' };

/**
 * `--dry-run`: the plan of what would run, as text or JSON; nothing runs. Commands are shown rendered with this run's
 * variables (secrets masked, tidied as the run's log shows them), so a `{% if %}` shows what it comes to.
 */
export function printRunPlan(prepared: PreparedRun, options: GlobalOptions, source: string): void {
  const lineValues = { ...prepared.values, ...LINE_STAND_IN };
  const plan = planRun(prepared.project, {
    showCommand: (command, template, insideForeach) =>
      tidyCommandLine(prepared.masker.mask(dropFinalNewline(prepared.renderer.render(template, insideForeach ? lineValues : prepared.values, command.path)))),
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(maskDeep(plan, prepared.masker), null, 2)}\n`);
    return;
  }
  const lines = [`Run plan of ${source} (stage ${options.stage}); nothing is run:`];
  for (const task of plan.tasks) {
    lines.push(`task ${task.name}${task.active ? '' : ' (inactive)'}:`, ...task.outline.map((l) => `  ${prepared.masker.mask(l)}`));
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * Runs with SIGINT/SIGTERM passed on to every process group (exit 130/143); a second signal kills at once instead of
 * waiting for the grace period. SIGHUP (the terminal or ssh session closed) stops the run as SIGTERM does (exit 129):
 * without a handler it would end handoff at once, leaving the record `running` and the workspace locked. Ends with
 * one summary line: status, duration, Singer records and state.
 */
export async function runInTerminal(prepared: PreparedRun, runOptions: LocalRunOptions, options: GlobalOptions, log: ConsoleLog, recordIn: RecordPlace = 'workspace'): Promise<RunResult> {
  const interrupt = new RunInterrupt();
  const onSignal = (signal: InterruptSignal): void => {
    if (interrupt.signal) {
      log.log('warning', `Received ${signal} again: killing every process now`);
      killAllProcessGroups('SIGKILL');
      return;
    }
    const ladder = signal === 'SIGINT' ? 'SIGINT, then SIGTERM and SIGKILL a grace period apart' : 'SIGTERM, then SIGKILL after the grace period';
    log.log('warning', `Received ${signal}: stopping the run (processes get ${ladder})`);
    interrupt.interrupt(signal);
  };
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  const onHup = (): void => onSignal('SIGHUP');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  try {
    // The summary is written while the run's console log still takes lines, so the log ends as the terminal does.
    const result = await executeLocalRun(prepared, { ...runOptions, onRecorded: (done, outcome) => reportRun(done, outcome, prepared, options, log, recordIn) }, interrupt);
    if (options.json) process.stdout.write(`${JSON.stringify(maskDeep(result, prepared.masker), null, 2)}\n`);
    return result;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onHup);
  }
}

/**
 * Where the user reads a failed run's record: the workspace (`runs show -w`), or the store the run pushes it to, for a
 * `handoff run -a` from the store, which is what a cloud run is: its workspace is a folder of the container, gone
 * with it, and the user's machine reads the record with the project's deploy keys (`runs show -p`).
 */
export type RecordPlace = 'workspace' | 'store';

/** The command that shows a run's record from where the user is. */
async function describeDetailsCommand(runId: string, options: GlobalOptions, recordIn: RecordPlace): Promise<string> {
  // Loaded only here, for a failed run: a run that succeeds prints no command to fill.
  if (recordIn === 'workspace') return (await import('../fix-args.js')).fillFixArgs(`handoff runs show ${runId} -w W`, { workspaceDir: options.workspaceDir });
  // The stage picks the store's resource group: named unless it is the default one. Not this -p: in a cloud run it is
  // the container's copy of the project, which the user's machine does not have.
  return `handoff runs show ${runId} -p <project>${options.stage === 'dev' ? '' : ` -s ${options.stage}`}`;
}

function reportRun(result: RunResult, record: RecordedOutcome, prepared: PreparedRun, options: GlobalOptions, log: ConsoleLog, recordIn: RecordPlace): void | Promise<void> {
  const records = formatRecordCounts(record.records, record.untaggedRecords);
  const counted = records ? `; records: ${records}` : '';
  if (record.state) {
    const state = record.state;
    if (state.saved) log.log('info', `Singer state of task ${state.task} saved to artifacts/state.json`);
    // A run that succeeded without any state says so plainly; a failed one, or a state refused (too large, not UTF-8:
    // it names its task), warns that the previous state was kept.
    else if (result.status === 'succeeded' && state.task === undefined) log.log('info', `No Singer state saved: ${state.reason}`);
    else log.log('warning', `Singer state not saved: ${state.reason}`);
  }
  const duration = `${(result.durationMs / 1000).toFixed(1)} s`;
  if (result.status === 'succeeded') log.log('info', `Run ${result.runId} succeeded in ${duration}${counted}`);
  else if (result.status === 'interrupted') log.log('warning', `Run ${result.runId} was interrupted by ${result.interruptSignal}`);
  else {
    const why = prepared.masker.mask(record.reason ?? result.message ?? 'a task failed');
    return describeDetailsCommand(result.runId, options, recordIn).then((details) => log.log('error', `Run ${result.runId} failed: ${why} (details: ${details})`));
  }
}
