// Run history at scale: `handoff runs list` and `runs show` on a workspace with 1,000 run records.
import fs from 'node:fs';
import path from 'node:path';
import type { Benchmark } from '../benchmark.js';
import { runProcessOk } from '../run-process.js';
import { sampleTrials } from '../sample-trials.js';
import { summarizeSamples } from '../summarize-samples.js';
import { writeProject } from '../write-project.js';

const RUNS = 1000;
const LIMIT_MS = 1000;

export const runsList: Benchmark = {
  name: 'runs-list',
  title: 'Run history',
  async run(ctx) {
    // One real run gives a real record (a pipeline, a foreach of 20 lines); 999 copies with their own ids and times
    // make the history, as a year of daily runs would.
    const project = writeProject(
      ctx.tmpDir,
      'history',
      `tasks:
  - name: sync
    pipeline:
      - command: seq 1 20
      - foreach:
          - name: item
            commands:
              - command: echo {{ _line }}
`,
    );
    await ctx.handoff.run(['run', 'local', '-p', project.projectDir, '-w', project.workspaceDir]);
    const runsDir = path.join(project.workspaceDir, 'runs');
    const first = fs.readdirSync(runsDir).find((f) => f.endsWith('.json'));
    if (!first) throw new Error('the seed run left no record');
    const template = JSON.parse(fs.readFileSync(path.join(runsDir, first), 'utf8')) as Record<string, unknown>;
    const start = Date.parse('2025-01-01T06:00:00Z');
    for (let i = 1; i < RUNS; i++) {
      const startedAt = new Date(start + i * 86_400_000);
      const runId = `${startedAt.toISOString().replace(/[-:]/g, '')}-${(i % 65536).toString(16).padStart(4, '0')}`;
      const record = { ...template, runId, startedAt: startedAt.toISOString(), heartbeatAt: startedAt.toISOString(), endedAt: new Date(startedAt.getTime() + 1000).toISOString() };
      fs.writeFileSync(path.join(runsDir, `${runId}.json`), JSON.stringify(record, null, 2));
    }
    const bytes = fs.readdirSync(runsDir).reduce((sum, f) => sum + (f.endsWith('.json') ? fs.statSync(path.join(runsDir, f)).size : 0), 0);
    const wall = async (run: Promise<{ wallMs: number }>): Promise<Record<string, number>> => ({ wallMs: (await run).wallMs });
    const samples = await sampleTrials(
      {
        list: () => wall(ctx.handoff.run(['runs', 'list', '--limit', String(RUNS), '-w', project.workspaceDir], { captureStdout: true })),
        json: () => wall(ctx.handoff.run(['runs', 'list', '--json', '--limit', String(RUNS), '-w', project.workspaceDir], { captureStdout: true })),
        show: () => wall(ctx.handoff.run(['runs', 'show', 'latest', '-w', project.workspaceDir], { captureStdout: true })),
        node: () => wall(runProcessOk('node -e 0', process.execPath, ['-e', '0'])),
      },
      { runs: Math.max(10, ctx.runs * 2), warmups: 2, progress: ctx.progress },
    );
    const node = summarizeSamples(samples.node.wallMs);
    const row = (measure: string, values: number[], target?: string) => {
      const s = summarizeSamples(values);
      return {
        measure,
        unit: 'ms' as const,
        handoff: s,
        baseline: node,
        baselineLabel: 'node -e 0',
        ratio: s.median - node.median,
        ratioLabel: `+${(s.median - node.median).toFixed(0)} ms over node`,
        ...(target ? { target, met: s.median < LIMIT_MS } : {}),
      };
    };
    return {
      notes: [
        `${RUNS} run records (${(bytes / 1e6).toFixed(1)} MB of JSON, each with a pipeline and a foreach of 20 sub-tasks) in one workspace; ${Math.max(10, ctx.runs * 2)} runs of each after 2 warm-ups.`,
        '`runs list --limit 1000` reads and prints every record (runs left `running` by a killed handoff are found from the index of runs in progress); `runs show latest` reads one.',
      ],
      rows: [row(`\`runs list\`, ${RUNS} runs`, samples.list.wallMs, `< ${LIMIT_MS} ms`), row(`\`runs list --json\`, ${RUNS} runs`, samples.json.wallMs), row('`runs show latest`', samples.show.wallMs)],
    };
  },
};
