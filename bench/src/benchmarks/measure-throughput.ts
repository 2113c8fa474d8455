// Shared by the pipeline and fork benchmarks: moves N bytes through handoff and through a shell, and compares rates.
import type { BenchContext, ResultRow } from '../benchmark.js';
import type { Pinning } from '../pin-to-cpus.js';
import { readDdSeconds, slowestOf } from '../read-consumer-clocks.js';
import { runProcessOk } from '../run-process.js';
import { sampleTrials } from '../sample-trials.js';
import { summarizeSamples } from '../summarize-samples.js';
import { readTaskStderr } from '../read-task-stderr.js';
import { writeProject } from '../write-project.js';

export interface ThroughputSetup {
  name: string;
  bytes: number;
  projectYml: string;
  /** The tasks whose stderr holds the consumers' (dd's) clocks. */
  consumerTasks: string[];
  shell: '/bin/sh' | '/bin/bash';
  baselineScript: string;
  baselineLabel: string;
  /** Minimum steady-state ratio handoff ÷ baseline. */
  minRatio: number;
  /** Runs both variants under the same taskset as well, and puts the target on those rows. */
  pinning?: Pinning;
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
  const consumers = setup.consumerTasks.length;
  const gb = setup.bytes / 1e9;
  const handoffTrial = (prefix?: string[]) => async () => {
    const run = await ctx.handoff.run(['run', 'local', '-p', projectDir, '-w', workspaceDir], { prefix });
    const logs = setup.consumerTasks.map((task) => readTaskStderr(workspaceDir, task)).join('\n');
    const steady = slowestOf(readDdSeconds(logs), consumers, 'handoff');
    return { wall: gb / (run.wallMs / 1000), steady: gb / steady, outsideMs: run.wallMs - steady * 1000 };
  };
  const baselineTrial = (prefix: string[] = []) => async () => {
    const [file, ...args] = [...prefix, setup.shell, '-c', setup.baselineScript];
    const run = await runProcessOk(setup.baselineLabel, file, args, { cwd: ctx.tmpDir });
    const steady = slowestOf(readDdSeconds(run.stderr), consumers, 'the baseline');
    return { wall: gb / (run.wallMs / 1000), steady: gb / steady, outsideMs: run.wallMs - steady * 1000 };
  };
  const pin = setup.pinning;
  const samples = await sampleTrials(
    {
      handoff: handoffTrial(),
      baseline: baselineTrial(),
      ...(pin ? { pinnedHandoff: handoffTrial(pin.prefix), pinnedBaseline: baselineTrial(pin.prefix) } : {}),
    },
    { runs: throughputRuns(ctx), progress: ctx.progress },
  );
  const variants: Array<{ handoff: string; baseline: string; suffix: string; targeted: boolean }> = [
    ...(pin ? [{ handoff: 'pinnedHandoff', baseline: 'pinnedBaseline', suffix: `, both pinned (${pin.label})`, targeted: true }] : []),
    { handoff: 'handoff', baseline: 'baseline', suffix: pin ? ', unpinned' : '', targeted: !pin },
  ];
  const rows: ResultRow[] = [];
  for (const variant of variants) {
    for (const metric of ['steady', 'wall'] as const) {
      const handoff = summarizeSamples(samples[variant.handoff][metric]);
      const baseline = summarizeSamples(samples[variant.baseline][metric]);
      const ratio = handoff.median / baseline.median;
      const steady = metric === 'steady';
      rows.push({
        measure: `${steady ? "steady-state throughput (consumers' own clock)" : 'wall-clock throughput (includes start-up)'}${variant.suffix}`,
        unit: 'GB/s',
        handoff,
        baseline,
        baselineLabel: `${variant.targeted && pin ? `${pin.label} ` : ''}${setup.baselineLabel}`,
        ratio,
        ratioLabel: `${ratio.toFixed(3)} ×`,
        ...(steady && variant.targeted ? { target: `≥ ${setup.minRatio} × baseline`, met: ratio >= setup.minRatio } : {}),
      });
    }
    // Where the wall-clock gap goes: the time of a run outside its consumers' clock is start-up and teardown.
    const handoffOutside = summarizeSamples(samples[variant.handoff].outsideMs);
    const baselineOutside = summarizeSamples(samples[variant.baseline].outsideMs);
    const extra = handoffOutside.median - baselineOutside.median;
    rows.push({
      measure: `time outside the consumers' clock (start-up, teardown)${variant.suffix}`,
      unit: 'ms',
      handoff: handoffOutside,
      baseline: baselineOutside,
      ratio: extra,
      ratioLabel: `${extra >= 0 ? '+' : ''}${extra.toFixed(0)} ms`,
    });
  }
  return rows;
}
