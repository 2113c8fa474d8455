// Project size: validate and plan projects of 500 and 5,000 tasks, and the loader's own share of that time.
import fs from 'node:fs';
import path from 'node:path';
import type { BenchContext, Benchmark, ResultRow } from '../benchmark.js';
import { runProcessOk } from '../run-process.js';
import { sampleTrials } from '../sample-trials.js';
import { summarizeSamples, type Summary } from '../summarize-samples.js';
import { writeProject, type BenchProject } from '../write-project.js';
import { generateLargeProject } from './generate-large-project.js';

const TASKS = 500;
const MANY_TASKS = 5000;
/** Issue #14: a 500-task project at most this much over `node -e 0`. */
const OVER_NODE_MS = 120;
/** Issue #14: ten times the tasks take at most this many times as long. */
const SCALE_LIMIT = 10;

interface ProbeOutput {
  tasks: number;
  moduleSetupMs: number;
  firstLoadMs: number;
  warmLoadMs: number[];
}

function writeLargeProject(ctx: BenchContext, tasks: number): BenchProject & { text: string } {
  const text = generateLargeProject(tasks);
  const files = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`files/input_${i}.csv`, 'a,b\n1,2\n']));
  // writeProject makes the workspace: --dry-run keeps the validated project there, as for any project that ran before.
  const project = writeProject(ctx.tmpDir, `project-size-${tasks}`, text, files);
  return { ...project, text };
}

export const projectSize: Benchmark = {
  name: 'project-size',
  title: 'Project size',
  async run(ctx) {
    const p = writeLargeProject(ctx, TASKS);
    const many = writeLargeProject(ctx, MANY_TASKS);
    const probe = path.join(ctx.probesDir, 'load-project-probe.js');
    const cacheOf = (project: BenchProject): string => path.join(project.workspaceDir, '.handoff', 'validated-project.bin');
    const measured = async (run: Promise<{ wallMs: number; cpuMs?: number }>) => {
      const done = await run;
      return { wallMs: done.wallMs, cpuMs: done.cpuMs ?? Number.NaN };
    };
    const validate = (project: BenchProject) => measured(ctx.handoff.run(['config', 'validate', '-p', project.projectDir], { cpu: true }));
    const dryRun = (project: BenchProject) => measured(ctx.handoff.run(['run', 'local', '--dry-run', '-p', project.projectDir, '-w', project.workspaceDir], { cpu: true }));
    const runs = Math.max(10, ctx.runs * 2);
    let probeTasks = 0;
    const samples = await sampleTrials(
      {
        validate: () => validate(p),
        dryRun: () => dryRun(p),
        // The first dry run after project.yml changed: the workspace's validated project does not match.
        dryRunEdited: () => {
          fs.rmSync(cacheOf(p), { force: true });
          return dryRun(p);
        },
        node: () => measured(ctx.handoff.runNodeFloor()),
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
    ctx.progress(`${MANY_TASKS} tasks`);
    const large = await sampleTrials(
      {
        validate: () => validate(many),
        dryRun: () => dryRun(many),
      },
      { runs: ctx.runs, warmups: 1, progress: ctx.progress },
    );

    const node = summarizeSamples(samples.node.wallMs);
    const validate500 = summarizeSamples(samples.validate.wallMs);
    const dryRun500 = summarizeSamples(samples.dryRun.wallMs);
    const cold = summarizeSamples(samples.loader.setupAndFirst);
    const warm = summarizeSamples(samples.loader.warm);
    const overNode = (measure: string, handoff: Summary, limited: boolean): ResultRow => {
      const over = handoff.median - node.median;
      return {
        measure,
        unit: 'ms',
        handoff,
        baseline: node,
        baselineLabel: 'node -e 0',
        ratio: over,
        ratioLabel: `+${over.toFixed(0)} ms`,
        ...(limited ? { target: `≤ +${OVER_NODE_MS} ms over node -e 0`, met: over <= OVER_NODE_MS } : {}),
      };
    };
    const scaled = (measure: string, handoff: Summary, of500: Summary, label: string): ResultRow => {
      const ratio = handoff.median / of500.median;
      return {
        measure,
        unit: 'ms',
        handoff,
        baseline: of500,
        baselineLabel: label,
        ratio,
        ratioLabel: `${ratio.toFixed(2)} ×`,
        target: `≤ ${SCALE_LIMIT} × the ${TASKS}-task time`,
        met: ratio <= SCALE_LIMIT,
      };
    };
    const nodeCpu = summarizeSamples(samples.node.cpuMs);
    const cpuOverNode = (measure: string, handoff: Summary): ResultRow => {
      const over = handoff.median - nodeCpu.median;
      return { measure, unit: 'ms', handoff, baseline: nodeCpu, baselineLabel: 'node -e 0, CPU time', ratio: over, ratioLabel: `+${over.toFixed(0)} ms` };
    };
    const size = (text: string): string => `${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB, ${text.split('\n').length} lines`;
    return {
      notes: [
        `project.yml of ${TASKS} tasks (${size(p.text)}) and of ${MANY_TASKS} tasks (${size(many.text)}): pipelines, commands, foreach, fork and nested tasks, 20 vars, 10 envs. ${runs} runs of each ${TASKS}-task variant after 3 warm-ups, ${ctx.runs} of each ${MANY_TASKS}-task one after 1.`,
        '`config validate` always reads and checks project.yml. `run local --dry-run` in a workspace reads the validated project kept there by an earlier run (keyed by the file\'s bytes); "after an edit" removes it first.',
        `The loader's own share: in a fresh process, loadProject() (read, YAML, schema, rules, normalize) took ${cold.median.toFixed(0)} ms the first time including its modules' set-up, and ${warm.median.toFixed(1)} ms when warm; of \`config validate\`'s ${validate500.median.toFixed(0)} ms that is ${((cold.median / validate500.median) * 100).toFixed(0)}%, and \`node -e 0\` accounts for ${node.median.toFixed(0)} ms.`,
      ],
      rows: [
        overNode(`\`config validate\`, ${TASKS} tasks`, validate500, true),
        overNode(`\`run local --dry-run\`, ${TASKS} tasks`, dryRun500, true),
        overNode(`same, first dry run after an edit (reference)`, summarizeSamples(samples.dryRunEdited.wallMs), false),
        scaled(`\`config validate\`, ${MANY_TASKS} tasks`, summarizeSamples(large.validate.wallMs), validate500, `validate, ${TASKS} tasks`),
        scaled(`\`run local --dry-run\`, ${MANY_TASKS} tasks`, summarizeSamples(large.dryRun.wallMs), dryRun500, `dry run, ${TASKS} tasks`),
        cpuOverNode(`CPU time: \`config validate\`, ${TASKS} tasks (reference)`, summarizeSamples(samples.validate.cpuMs)),
        cpuOverNode(`CPU time: \`run local --dry-run\`, ${TASKS} tasks (reference)`, summarizeSamples(samples.dryRun.cpuMs)),
        { measure: 'loader alone, first load (incl. module set-up)', unit: 'ms', handoff: cold },
        { measure: 'loader alone, warm load', unit: 'ms', handoff: warm },
      ],
    };
  },
};
