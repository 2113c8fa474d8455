// Start-up: `handoff --help` against `node -e 0`, and `run local` of a one-command project against the command alone.
import type { Benchmark } from '../benchmark.js';
import { runProcessOk } from '../run-process.js';
import { sampleTrials } from '../sample-trials.js';
import { summarizeSamples } from '../summarize-samples.js';
import { writeProject } from '../write-project.js';

const COMMAND = 'echo hello';
const HELP_LIMIT_MS = 150;
const OVERHEAD_LIMIT_MS = 150;

export const startUp: Benchmark = {
  name: 'startup',
  title: 'Start-up',
  async run(ctx) {
    const one = writeProject(
      ctx.tmpDir,
      'one-command',
      `version: 0.3
tasks:
  - name: hello
    commands:
      - command: ${COMMAND}
`,
    );
    // Each run is short, so more of them are needed for a stable median.
    const runs = Math.max(20, ctx.runs * 4);
    const wall = async (run: Promise<{ wallMs: number }>): Promise<Record<string, number>> => ({ wallMs: (await run).wallMs });
    const samples = await sampleTrials(
      {
        help: () => wall(ctx.handoff.run(['--help'])),
        node: () => wall(runProcessOk('node -e 0', process.execPath, ['-e', '0'])),
        runLocal: () => wall(ctx.handoff.run(['run', 'local', '-p', one.projectDir, '-w', one.workspaceDir])),
        dryRun: () => wall(ctx.handoff.run(['run', 'local', '--dry-run', '-p', one.projectDir, '-w', one.workspaceDir])),
        alone: () => wall(runProcessOk(COMMAND, '/bin/sh', ['-c', COMMAND])),
      },
      { runs, warmups: 3, progress: ctx.progress },
    );
    const help = summarizeSamples(samples.help.wallMs);
    const node = summarizeSamples(samples.node.wallMs);
    const runLocal = summarizeSamples(samples.runLocal.wallMs);
    const alone = summarizeSamples(samples.alone.wallMs);
    const dryRun = summarizeSamples(samples.dryRun.wallMs);
    const overhead = runLocal.median - alone.median;
    return {
      notes: [
        `${runs} runs of each after 3 warm-ups. \`node -e 0\` is the least any Node.js CLI costs on this machine.`,
        `The one-command project runs \`${COMMAND}\` as a \`commands:\` task; "the command alone" is \`sh -c '${COMMAND}'\` started by the same harness.`,
      ],
      rows: [
        {
          measure: '`handoff --help`',
          unit: 'ms',
          handoff: help,
          baseline: node,
          baselineLabel: 'node -e 0',
          ratio: help.median - node.median,
          ratioLabel: `+${(help.median - node.median).toFixed(0)} ms`,
          target: `median ≤ ${HELP_LIMIT_MS} ms`,
          met: help.median <= HELP_LIMIT_MS,
        },
        {
          measure: '`run local`, one-command project',
          unit: 'ms',
          handoff: runLocal,
          baseline: alone,
          baselineLabel: `sh -c '${COMMAND}'`,
          ratio: overhead,
          ratioLabel: `+${overhead.toFixed(0)} ms`,
          target: `overhead ≤ ${OVERHEAD_LIMIT_MS} ms`,
          met: overhead <= OVERHEAD_LIMIT_MS,
        },
        {
          // Where the overhead goes: loading the run code and the project without running anything.
          measure: '`run local --dry-run`, same project (reference)',
          unit: 'ms',
          handoff: dryRun,
          baseline: node,
          baselineLabel: 'node -e 0',
          ratio: dryRun.median - node.median,
          ratioLabel: `+${(dryRun.median - node.median).toFixed(0)} ms`,
        },
      ],
    };
  },
};
