// `handoff schedule list`: each schedule of project.yml, validated, with its next five fire times.
import { loadProject } from '../../project/load-project.js';
import { describeNearStage } from '../../secrets/find-local-secrets-file.js';
import { secretsDirVar, parseCliVars } from '../../secrets/secrets-dir-var.js';

import { createConsoleLog } from '../console-log.js';
import { formatFireTimes, parseSchedule, type ParsedSchedule } from '../../schedule/index.js';
import { parseAwsCron } from '../../schedule/parse-aws-cron.js';
import { requireProjectDir, type GlobalOptions } from '../global-options.js';
import { isoTime } from '../../iso-time.js';

export async function scheduleListCommand(options: GlobalOptions, flags: { count?: string }): Promise<number> {
  // The loader validates every expression and time zone, so an invalid schedule stops here with its location; a
  // refused structure is reported with its template syntax errors, as config validate reports it (error path only).
  const { project } = await loadProject(requireProjectDir(options)).catch(async (error: unknown) => {
    throw await (await import('../add-written-template-problems.js')).addWrittenTemplateProblems(error);
  });
  // The list is the same for every stage, but the deployment it previews is not: `-s PROD` names another task than
  // prod's, so it is warned of here as every command that reads -s warns of it.
  const nearStage = await describeNearStage({ projectDir: project.dir, stage: options.stage, secretsDir: secretsDirVar(parseCliVars(options.vars)) });
  if (nearStage) createConsoleLog(options.logLevel).log('warning', nearStage);
  const count = flags.count ? Math.max(1, Math.min(100, Number(flags.count) || 5)) : 5;
  const now = new Date();
  const entries = project.schedules.map((s) => {
    const parsed = parseSchedule(s.cron, s.timezone);
    // A rate fires when it is deployed and every interval after (EventBridge Scheduler without a StartDate, and the
    // local scheduler): the example, if deployed now, starts now, not one interval later.
    const from = parsed.kind === 'rate' && parsed.intervalMs ? new Date(now.getTime() - parsed.intervalMs) : now;
    const times = s.enabled ? parsed.nextFireTimes(from, count) : [];
    return { schedule: s, parsed, times };
  });
  if (options.json) {
    const out = entries.map(({ schedule: s, parsed, times }) => ({
      target_id: s.target_id,
      name: s.name,
      expression: s.cron,
      awsExpression: parsed.awsExpression,
      timezone: parsed.timezone,
      enabled: s.enabled,
      overlap: s.overlap,
      catch_up: s.catch_up,
      nextFireTimes: times.map((t) => isoTime(t)),
    }));
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  if (entries.length === 0) {
    process.stdout.write(`${project.file} has no schedules\n`);
    return 0;
  }
  const lines: string[] = [];
  for (const { schedule: s, parsed, times } of entries) {
    const title = `target_id ${s.target_id}${s.name ? ` (${s.name})` : ''}: ${s.cron}`;
    lines.push(`${title} — ${parsed.awsExpression}, time zone ${parsed.timezone}${s.enabled ? '' : ', disabled'}`);
    if (!s.enabled) lines.push('  does not fire (enabled: false)');
    else if (times.length === 0) lines.push(`  never fires again (${describeNoFire(parsed)})`);
    else if (parsed.kind === 'rate') lines.push(`  every ${parsed.expression.replace(/^rate\(|\)$/g, '')} from when it is deployed (at once, then every interval); if deployed now:`);
    for (const line of formatFireTimes(times, parsed.timezone)) lines.push(`  ${line}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/**
 * Why a cron has no fire left: its years are over, or its remaining times fall in the hour its zone skips when clocks
 * go forward (2027-03-28 02:30 in Europe/Berlin), which EventBridge skips too.
 */
function describeNoFire(parsed: ParsedSchedule, now = new Date()): string {
  const inner = /^cron\((.*)\)$/.exec(parsed.awsExpression)?.[1];
  const lastYear = inner ? Math.max(...parseAwsCron(inner).years) : Number.NaN;
  if (!(lastYear >= now.getUTCFullYear())) return 'its years are over';
  return `its remaining times fall in the hour ${parsed.timezone} skips when its clocks go forward`;
}
