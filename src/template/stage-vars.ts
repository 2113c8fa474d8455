// Reserved template variables (stage affixes, dates, run facts) and the stage's secrets file name (SPEC §4).
import { isoTime } from '../iso-time.js';

const PROD = 'prod';

/**
 * The reserved variables, lowest in precedence. Stage affixes are empty for prod so that names such as
 * `{{ _stage_ }}output.csv` are bare in production and prefixed (`dev_output.csv`) everywhere else.
 */
export function createReservedVars(
  stage: string,
  now: Date,
  extra: { runId?: string; task?: string; stateFile?: string },
): Record<string, string> {
  const isProd = stage === PROD;
  const vars: Record<string, string> = {
    _stage: isProd ? '' : stage,
    _stage_: isProd ? '' : `${stage}_`,
    '_stage-': isProd ? '' : `${stage}-`,
    __stage: isProd ? '' : `_${stage}`,
    __stage_: isProd ? '' : `_${stage}_`,
    _today: formatUtcDate(now, 0),
    _yesterday: formatUtcDate(now, -1),
    _tomorrow: formatUtcDate(now, 1),
  };
  if (extra.runId !== undefined) vars._run_id = extra.runId;
  if (extra.task !== undefined) vars._task = extra.task;
  if (extra.stateFile !== undefined) vars._state_file = extra.stateFile;
  return vars;
}

/** `secrets.yml` for prod, `<stage>_secrets.yml` otherwise (the original's `<_stage_>secrets.yml`). */
export function secretsFileName(stage: string): string {
  return stage === PROD ? 'secrets.yml' : `${stage}_secrets.yml`;
}

function formatUtcDate(now: Date, dayOffset: number): string {
  // Date.UTC arithmetic on whole days avoids local time zones and DST shifts.
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + dayOffset));
  return isoTime(day).slice(0, 10);
}
