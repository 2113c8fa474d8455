// Memory: peak RSS (VmHWM) of the handoff process itself while 1, 2 and 4 GiB pass through a pipeline and a fork.
import fs from 'node:fs';
import path from 'node:path';
import type { Benchmark, ResultRow } from '../benchmark.js';
import { sampleTrials } from '../sample-trials.js';
import { summarizeSamples, type Summary } from '../summarize-samples.js';
import { writeProject } from '../write-project.js';

const SIZES_GIB = [1, 2, 4];
/** Issue #14: peak RSS of handoff itself. */
const LIMIT_MB = 50;
/** "Flat": the peak at 4 GiB may exceed the peak at 1 GiB by at most this much (allocator noise, a few log lines). */
const FLAT_MB = 5;

function pipelineYml(bytes: number): string {
  return `version: 0.3
tasks:
  - name: pipeline
    pipeline:
      - command: head
        args: -c ${bytes} /dev/zero
      - command: cat
      - command: dd
        args: of=/dev/null bs=1M
`;
}

function forkYml(bytes: number): string {
  return `version: 0.3
tasks:
  - name: fork
    pipeline:
      - command: head
        args: -c ${bytes} /dev/zero
      - fork:
          - name: consumer1
            pipeline:
              - command: dd
                args: of=/dev/null bs=1M
          - name: consumer2
            pipeline:
              - command: dd
                args: of=/dev/null bs=1M
`;
}

export const memory: Benchmark = {
  name: 'memory',
  title: 'Memory',
  async run(ctx) {
    // Peak RSS hardly varies between runs, and every run moves gigabytes: three runs are enough for a median.
    const runs = Math.min(ctx.runs, 3);
    const trials: Record<string, () => Promise<Record<string, number>>> = {};
    let firstRunProject: { projectDir: string; workspaceDir: string } | undefined;
    for (const shape of ['pipeline', 'fork'] as const) {
      for (const gib of SIZES_GIB) {
        const bytes = gib * 1024 ** 3;
        const p = writeProject(ctx.tmpDir, `${shape}-${gib}`, shape === 'pipeline' ? pipelineYml(bytes) : forkYml(bytes));
        // Each project has run before, as a scheduled pipeline has: its workspace holds the validated project. A dry
        // run in the workspace writeProject made keeps it there without moving any data.
        await ctx.handoff.run(['run', 'local', '--dry-run', '-p', p.projectDir, '-w', p.workspaceDir]);
        firstRunProject ??= p;
        trials[`${shape}-${gib}`] = async () => {
          const run = await ctx.handoff.run(['run', 'local', '-p', p.projectDir, '-w', p.workspaceDir], { peakRss: true });
          return { peakRssMB: run.peakRssMB ?? Number.NaN };
        };
      }
    }
    // For reference, the first run after project.yml changed: it parses and checks the file (YAML parser, zod).
    const edited = firstRunProject as { projectDir: string; workspaceDir: string };
    trials.firstRun = async () => {
      fs.rmSync(path.join(edited.workspaceDir, '.handoff', 'validated-project.bin'), { force: true });
      const run = await ctx.handoff.run(['run', 'local', '-p', edited.projectDir, '-w', edited.workspaceDir], { peakRss: true });
      return { peakRssMB: run.peakRssMB ?? Number.NaN };
    };
    // No warm-up round: peak RSS is not a timing, so warm caches change nothing, and a round moves 14 GiB.
    const samples = await sampleTrials(trials, { runs, warmups: 0, progress: ctx.progress });
    const rows: ResultRow[] = [];
    for (const shape of ['pipeline', 'fork'] as const) {
      const bySize = new Map<number, Summary>(SIZES_GIB.map((gib) => [gib, summarizeSamples(samples[`${shape}-${gib}`].peakRssMB)]));
      const first = bySize.get(SIZES_GIB[0]) as Summary;
      for (const gib of SIZES_GIB) {
        const peak = bySize.get(gib) as Summary;
        const growth = peak.median - first.median;
        const last = gib === SIZES_GIB[SIZES_GIB.length - 1];
        rows.push({
          measure: `peak RSS of handoff, ${shape}, ${gib} GiB`,
          unit: 'MB',
          handoff: peak,
          ...(gib === SIZES_GIB[0] ? {} : { ratio: growth, ratioLabel: `${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB vs 1 GiB` }),
          target: last ? `≤ ${LIMIT_MB} MB, flat (≤ +${FLAT_MB} MB vs 1 GiB)` : `≤ ${LIMIT_MB} MB`,
          met: peak.max <= LIMIT_MB && (!last || growth <= FLAT_MB),
        });
      }
    }
    rows.push({ measure: `peak RSS of handoff, pipeline, ${SIZES_GIB[0]} GiB, first run after an edit (reference)`, unit: 'MB', handoff: summarizeSamples(samples.firstRun.peakRssMB) });
    return {
      notes: [
        'Each project ran before in its workspace (which keeps the validated project); the reference row removes that first, as any change to project.yml does.',
        `VmHWM of the handoff (node) process, read from /proc/self/status as it exits by a hook loaded with \`node --require\`; the commands' own memory is not counted. ${runs} runs per size (no warm-up: a peak is not a timing); the limit is checked against the highest run.`,
      ],
      rows,
    };
  },
};
