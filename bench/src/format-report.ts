// Turns results into the Markdown table printed at the end and saved beside the JSON.
import type { BenchmarkResult, ResultRow, Unit } from './benchmark.js';
import type { Machine } from './describe-machine.js';
import type { Summary } from './summarize-samples.js';

export function formatValue(value: number, unit: Unit): string {
  switch (unit) {
    case 'ms':
      return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 1 : 0)} ms`;
    case 'GB/s':
      return `${value.toFixed(2)} GB/s`;
    case 'MB':
      return `${value.toFixed(1)} MB`;
    case 'records/s':
      return `${(value / 1000).toFixed(0)}k rec/s`;
  }
}

/** "1.41 GB/s ±3%": the median, and the spread of the runs as interquartile range ÷ median. */
function formatSummary(summary: Summary | undefined, unit: Unit): string {
  if (!summary) return '—';
  return `${formatValue(summary.median, unit)} ±${summary.spreadPct.toFixed(0)}%`;
}

function verdict(row: ResultRow): string {
  if (row.met === undefined) return '';
  return row.met ? 'yes' : '**no**';
}

/** Table cells must not contain a bare pipe character, which shell baselines are full of. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

export function formatResultsTable(results: BenchmarkResult[]): string {
  const lines = [
    '| benchmark | measure | handoff | baseline (same run) | handoff vs baseline | target | met |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const result of results) {
    result.rows.forEach((row, i) => {
      // A baseline's command line is shown once per benchmark, where it first appears.
      const sameBaseline = i > 0 && result.rows[i - 1].baselineLabel === row.baselineLabel;
      const label = row.baselineLabel && !sameBaseline ? ` \`${cell(row.baselineLabel)}\`` : '';
      lines.push(
        `| ${i === 0 ? result.title : ''} | ${cell(row.measure)} | ${formatSummary(row.handoff, row.unit)} | ${
          row.baseline ? `${formatSummary(row.baseline, row.unit)}${label}` : '—'
        } | ${row.ratioLabel ?? ''} | ${row.target ?? ''} | ${verdict(row)} |`,
      );
    });
  }
  return lines.join('\n');
}

export function formatReport(
  results: BenchmarkResult[],
  machine: Machine,
  runs: number,
  startedAt: Date,
  load: { atStart: number; atEnd: number },
): string {
  const parts = [
    `# handoff benchmarks, ${startedAt.toISOString()}`,
    '',
    `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM, ${machine.kernel}, Node.js ${machine.node}` +
      (machine.commit ? `; handoff at ${machine.commit}${machine.dirty ? ' with uncommitted changes in src/' : ''}` : '') +
      `. Load average (1 min): ${load.atStart.toFixed(2)} at the start, ${load.atEnd.toFixed(2)} at the end.` +
      (machine.extraCaCerts ? ' NODE_EXTRA_CA_CERTS is set here; measured processes run without it (see Start-up).' : ''),
    '',
    `Each value is the median of the runs (${runs} unless a note says otherwise), after a warm-up; ±N% is the spread of the runs, interquartile range ÷ median (min, max and every run are in the JSON). Baselines ran in the same run, alternating with handoff.`,
    '',
    formatResultsTable(results),
    '',
    '## Notes',
    '',
  ];
  for (const result of results) {
    parts.push(`**${result.title}** (\`npm run bench -- ${result.name}\`, ${(result.durationMs / 1000).toFixed(0)} s)`, '');
    for (const note of result.notes) parts.push(`- ${note}`);
    parts.push('');
  }
  return parts.join('\n');
}
