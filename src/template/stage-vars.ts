// Reserved template variables (stage affixes, dates, run facts) and the stage's secrets file name (SPEC §4).
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
    _today: formatLocalDate(now, 0),
    _yesterday: formatLocalDate(now, -1),
    _tomorrow: formatLocalDate(now, 1),
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

/**
 * The date of the process's local time zone (TZ respected), as the original's `datetime.date.today()` and a command's
 * `date -I` give it: a run at 20:00 in UTC-5 is still "today" there, not tomorrow's UTC date. The day is moved on the
 * calendar at local noon, so a DST change (or a zone where midnight is skipped) cannot move it to another date.
 */
function formatLocalDate(now: Date, dayOffset: number): string {
  const day = new Date(now.getFullYear(), now.getMonth(), now.getDate() + dayOffset, 12);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return `${pad(day.getFullYear(), 4)}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
}
