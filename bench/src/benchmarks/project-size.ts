// Project size: validate and plan a project of 500 tasks, and the loader's own share of that time.
import path from 'node:path';
import type { Benchmark } from '../benchmark.js';
import { runProcessOk } from '../run-process.js';
import { sampleTrials } from '../sample-trials.js';
import { summarizeSamples } from '../summarize-samples.js';
import { writeProject } from '../write-project.js';
import { generateLargeProject } from './generate-large-project.js';

const TASKS = 500;
const LIMIT_MS = 200;

interface ProbeOutput {
  tasks: number;
  moduleSetupMs: number;
  firstLoadMs: number;
  warmLoadMs: number[];
}

export const projectSize: Benchmark = {
  name: 'project-size',
  title: 'Project size',
  async run(ctx) {
    const text = generateLargeProject(TASKS);
    const files = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`files/input_${i}.csv`, 'a,b\n1,2\n']));
    const p = writeProject(ctx.tmpDir, 'project-size', text, files);
    const probe = path.join(ctx.probesDir, 'load-project-probe.js');
    const runs = Math.max(10, ctx.runs * 2);
    let probeTasks = 0;
    const samples = await sampleTrials(
      {
        validate: async () => ({ wallMs: (await ctx.handoff.run(['config', 'validate', '-p', p.projectDir])).wallMs }),
        dryRun: async () => ({ wallMs: (await ctx.handoff.run(['run', 'local', '--dry-run', '-p', p.projectDir, '-w', p.workspaceDir])).wallMs }),
        node: async () => ({ wallMs: (await runProcessOk('node -e 0', process.execPath, ['-e', '0'])).wallMs }),
        loader: async () => {
          const run = await runProcessOk('load-project probe', process.execPath, [probe, p.projectDir, '5'], { captureStdout: true });
          const out = JSON.parse(run.stdout) as ProbeOutput;
          probeTasks = out.tasks;
          return { setupAndFirst: out.moduleSetupMs + out.firstLoadMs, warm: summarizeSamples(out.warmLoadMs).median };
        },
      },
      { runs, warmups: 3, progress: ctx.progress },
    );
    if (probeTasks !== TASKS) throw new Error(`the loader read ${probeTasks} tasks, expected ${TASKS}`);
    const node = summarizeSamples(samples.node.wallMs);
    const validate = summarizeSamples(samples.validate.wallMs);
    const dryRun = summarizeSamples(samples.dryRun.wallMs);
    const cold = summarizeSamples(samples.loader.setupAndFirst);
    const warm = summarizeSamples(samples.loader.warm);
    const over = (s: { median: number }): string => `+${(s.median - node.median).toFixed(0)} ms over node`;
    return {
      notes: [
        `project.yml of ${TASKS} tasks (${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB, ${text.split('\n').length} lines): pipelines, commands, foreach, fork and nested tasks, 20 vars, 10 envs. ${runs} runs of each after 3 warm-ups.`,
        `The loader's own share: in a fresh process, loadProject() (read, YAML, schema, rules, normalize) took ${cold.median.toFixed(0)} ms the first time including its modules' set-up, and ${warm.median.toFixed(1)} ms when warm; of \`config validate\`'s ${validate.median.toFixed(0)} ms that is ${((cold.median / validate.median) * 100).toFixed(0)}%, and \`node -e 0\` accounts for ${node.median.toFixed(0)} ms.`,
      ],
      rows: [
        {
          measure: `\`config validate\`, ${TASKS} tasks`,
          unit: 'ms',
          handoff: validate,
          baseline: node,
          baselineLabel: 'node -e 0',
          ratio: validate.median - node.median,
          ratioLabel: over(validate),
          target: `≤ ${LIMIT_MS} ms`,
          met: validate.median <= LIMIT_MS,
        },
        {
          measure: `\`run local --dry-run\`, ${TASKS} tasks`,
          unit: 'ms',
          handoff: dryRun,
          baseline: node,
          baselineLabel: 'node -e 0',
          ratio: dryRun.median - node.median,
          ratioLabel: over(dryRun),
          target: `≤ ${LIMIT_MS} ms`,
          met: dryRun.median <= LIMIT_MS,
        },
        { measure: 'loader alone, first load (incl. module set-up)', unit: 'ms', handoff: cold },
        { measure: 'loader alone, warm load', unit: 'ms', handoff: warm },
      ],
    };
  },
};
