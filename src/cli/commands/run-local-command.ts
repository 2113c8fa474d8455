// `handoff run local`: run the project in a workspace with local config, files and secrets.
import { killAllProcessGroups } from '../../process/process-registry.js';
import { maskDeep } from '../../secrets/mask.js';
import type { RunEvent } from '../../runner/events.js';
import { executeLocalRun, prepareLocalRun } from '../../runner/run-local.js';
import { readRunRecord, runRecordPath } from '../../runs/run-record.js';
import { RunInterrupt } from '../../runner/run-project.js';
import { parseVarTokens } from '../../template/parse-vars.js';
import { createConsoleLog } from '../console-log.js';
import { requireProjectDir, requireWorkspaceDir, type GlobalOptions } from '../global-options.js';
import { renderRunEvent } from '../render-run-events.js';

export interface RunLocalFlags {
  dryRun?: boolean;
}

/** Grace period override for tests and impatient users: HANDOFF_GRACE_SECONDS. */
function graceFromEnv(): number | undefined {
  const raw = process.env.HANDOFF_GRACE_SECONDS;
  if (!raw) return undefined;
  const seconds = Number(raw);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

export async function runLocalCommand(options: GlobalOptions, flags: RunLocalFlags): Promise<number> {
  const log = createConsoleLog(options.logLevel);
  const vars = parseVarTokens(options.vars, '-v');
  const emit = (event: RunEvent): void => renderRunEvent(event, log);
  const runOptions = {
    projectDir: requireProjectDir(options),
    workspaceDir: requireWorkspaceDir(options),
    stage: options.stage,
    vars,
    strict: options.strict,
    timeoutSeconds: options.timeout,
    graceMs: graceFromEnv(),
    emit,
    attachConsoleLog: (write: ((line: string) => void) | undefined) => log.tee(write),
  };
  const prepared = await prepareLocalRun(runOptions);

  if (flags.dryRun) {
    const lines = [`Run plan of ${prepared.project.file} (stage ${options.stage}); nothing is run:`];
    for (const task of prepared.plan.tasks) {
      lines.push(`task ${task.name}${task.active ? '' : ' (inactive)'}:`, ...task.outline.map((l) => `  ${prepared.masker.mask(l)}`));
    }
    process.stdout.write(options.json ? `${JSON.stringify(maskDeep(prepared.plan, prepared.masker), null, 2)}\n` : `${lines.join('\n')}\n`);
    return 0;
  }

  const interrupt = new RunInterrupt();
  const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
    if (interrupt.signal) {
      // A second Ctrl-C: stop waiting for the grace period.
      log.log('warning', `Received ${signal} again: killing every process now`);
      killAllProcessGroups('SIGKILL');
      return;
    }
    log.log('warning', `Received ${signal}: stopping the run (processes get SIGTERM, then SIGKILL after the grace period)`);
    interrupt.interrupt(signal);
  };
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    const result = await executeLocalRun(prepared, runOptions, interrupt);
    if (options.json) process.stdout.write(`${JSON.stringify(maskDeep(result, prepared.masker), null, 2)}\n`);
    const record = readRunRecord(runRecordPath(prepared.paths.runsDir, result.runId));
    const records = Object.entries(record?.records ?? {});
    const counted = records.length ? `; records: ${records.map(([s, n]) => `${s} ${n}`).join(', ')}` : '';
    if (record?.state) {
      const state = record.state;
      log.log(state.saved ? 'info' : 'warning', state.saved ? `Singer state of task ${state.task} saved to artifacts/state.json` : `Singer state not saved: ${state.reason}`);
    }
    const duration = `${(result.durationMs / 1000).toFixed(1)} s`;
    if (result.status === 'succeeded') log.log('info', `Run ${result.runId} succeeded in ${duration}${counted}`);
    else if (result.status === 'interrupted') log.log('warning', `Run ${result.runId} was interrupted by ${result.interruptSignal}`);
    else log.log('error', `Run ${result.runId} failed: ${record?.reason ?? result.message ?? 'a task failed'} (details: handoff runs show ${result.runId} -w ${options.workspaceDir})`);
    return result.exitCode;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
