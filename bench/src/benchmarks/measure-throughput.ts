// Shared by the pipeline and fork benchmarks: moves N bytes through handoff and through a shell, and compares rates.
import fs from 'node:fs';
import path from 'node:path';
import type { BenchContext, ResultRow } from '../benchmark.js';
import { readDdSeconds, slowestOf } from '../read-consumer-clocks.js';
import { runProcessOk } from '../run-process.js';
import { sampleTrials } from '../sample-trials.js';
import { summarizeSamples } from '../summarize-samples.js';
import { writeProject } from '../write-project.js';

export interface ThroughputSetup {
  name: string;
  bytes: number;
  projectYml: string;
  /** Stderr logs under artifacts/ where handoff's consumers (dd) report their clocks. */
  consumerLogs: string[];
  shell: '/bin/sh' | '/bin/bash';
  baselineScript: string;
  baselineLabel: string;
  /** Minimum steady-state ratio handoff ÷ baseline. */
  minRatio: number;
}

/**
 * Runs per variant: twice the default. On two cores, three busy processes joined by pipes settle either on a fast
 * placement or a slow one (2 GiB through a pipeline takes either about 0.9 s or about 1.5 s here, for the shell as
 * for handoff), so a median needs more runs than for other benchmarks to say which is typical.
 */
export function throughputRuns(ctx: BenchContext): number {
  return ctx.runs * 2;
}

export async function measureThroughput(ctx: BenchContext, setup: ThroughputSetup): Promise<ResultRow[]> {
  const { projectDir, workspaceDir } = writeProject(ctx.tmpDir, setup.name, setup.projectYml);
  const consumers = setup.consumerLogs.length;
  const gb = setup.bytes / 1e9;
  const samples = await sampleTrials(
    {
      handoff: async () => {
        const run = await ctx.handoff.run(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
        const logs = setup.consumerLogs.map((log) => fs.readFileSync(path.join(workspaceDir, 'artifacts', log), 'utf8')).join('\n');
        const steady = slowestOf(readDdSeconds(logs), consumers, 'handoff');
        return { wall: gb / (run.wallMs / 1000), steady: gb / steady };
      },
      baseline: async () => {
        const run = await runProcessOk(setup.baselineLabel, setup.shell, ['-c', setup.baselineScript], { cwd: ctx.tmpDir });
        const steady = slowestOf(readDdSeconds(run.stderr), consumers, 'the baseline');
        return { wall: gb / (run.wallMs / 1000), steady: gb / steady };
      },
    },
    { runs: throughputRuns(ctx), progress: ctx.progress },
  );
  const rows: ResultRow[] = [];
  for (const metric of ['steady', 'wall'] as const) {
    const handoff = summarizeSamples(samples.handoff[metric]);
    const baseline = summarizeSamples(samples.baseline[metric]);
    const ratio = handoff.median / baseline.median;
    const steady = metric === 'steady';
    rows.push({
      measure: steady ? "steady-state throughput (consumers' own clock)" : 'wall-clock throughput (includes start-up)',
      unit: 'GB/s',
      handoff,
      baseline,
      baselineLabel: setup.baselineLabel,
      ratio,
      ratioLabel: `${ratio.toFixed(3)} ×`,
      ...(steady ? { target: `≥ ${setup.minRatio} × baseline`, met: ratio >= setup.minRatio } : {}),
    });
  }
  return rows;
}
