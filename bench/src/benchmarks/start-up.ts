// Start-up: `handoff --help` and `run local` of a one-command project, each against `node -e 0` (Node.js's floor).
import fs from 'node:fs';
import path from 'node:path';
import type { Benchmark, ResultRow } from '../benchmark.js';
import { EXTRA_CA_CERTS, runProcessOk } from '../run-process.js';
import { sampleTrials } from '../sample-trials.js';
import { summarizeSamples, type Summary } from '../summarize-samples.js';
import { writeProject } from '../write-project.js';

const COMMAND = 'echo hello';
/** `--help` stays at Node.js's floor: at most this much over `node -e 0`. */
const HELP_OVER_NODE_MS = 25;
/** Issue #14: `run local` of a one-command project at most this much over `node -e 0`. */
const RUN_OVER_NODE_MS = 60;

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
    const cacheFile = path.join(one.workspaceDir, '.handoff', 'validated-project.bin');
    // Each run is short, so more of them are needed for a stable median.
    const runs = Math.max(20, ctx.runs * 4);
    const wall = async (run: Promise<{ wallMs: number; cpuMs?: number }>): Promise<Record<string, number>> => {
      const done = await run;
      return done.cpuMs === undefined ? { wallMs: done.wallMs } : { wallMs: done.wallMs, cpuMs: done.cpuMs };
    };
    const runLocal = (): Promise<Record<string, number>> => wall(ctx.handoff.run(['run', 'local', '-p', one.projectDir, '-w', one.workspaceDir], { cpu: true }));
    const samples = await sampleTrials(
      {
        help: () => wall(ctx.handoff.run(['--help'], { cpu: true })),
        node: () => wall(ctx.handoff.runNodeFloor()),
        runLocal,
        // The first run after project.yml changed: the validated-project cache of the workspace does not match.
        firstRun: () => {
          fs.rmSync(cacheFile, { force: true });
          return runLocal();
        },
        // The same two without V8's code cache of the bundle (Node.js 20: src/cli/code-cache.ts), for what it saves.
        helpNoCodeCache: () => wall(ctx.handoff.run(['--help'], { cpu: true, env: { HANDOFF_CODE_CACHE: 'off' } })),
        runLocalNoCodeCache: () =>
          wall(ctx.handoff.run(['run', 'local', '-p', one.projectDir, '-w', one.workspaceDir], { cpu: true, env: { HANDOFF_CODE_CACHE: 'off' } })),
        dryRun: () => wall(ctx.handoff.run(['run', 'local', '--dry-run', '-p', one.projectDir, '-w', one.workspaceDir], { cpu: true })),
        alone: () => wall(runProcessOk(COMMAND, '/bin/sh', ['-c', COMMAND])),
        // What this machine's NODE_EXTRA_CA_CERTS, which the measured processes run without, costs each node start.
        ...(EXTRA_CA_CERTS
          ? { nodeWithCaCerts: () => wall(ctx.handoff.run([], { cpu: true, script: ['-e', '0'], env: { NODE_EXTRA_CA_CERTS: EXTRA_CA_CERTS } })) }
          : {}),
      },
      { runs, warmups: 3, progress: ctx.progress },
    );
    const node = summarizeSamples(samples.node.wallMs);
    const overNode = (measure: string, handoff: Summary, limitMs?: number): ResultRow => {
      const over = handoff.median - node.median;
      return {
        measure,
        unit: 'ms',
        handoff,
        baseline: node,
        baselineLabel: 'node -e 0',
        ratio: over,
        ratioLabel: `+${over.toFixed(0)} ms`,
        ...(limitMs === undefined ? {} : { target: `≤ +${limitMs} ms over node -e 0`, met: over <= limitMs }),
      };
    };
    const alone = summarizeSamples(samples.alone.wallMs);
    // CPU time of the node process alone: less sensitive than wall time to other work on a shared machine.
    const nodeCpu = summarizeSamples(samples.node.cpuMs);
    const cpuOverNode = (measure: string, name: string): ResultRow => {
      const handoff = summarizeSamples(samples[name].cpuMs);
      const over = handoff.median - nodeCpu.median;
      return { measure, unit: 'ms', handoff, baseline: nodeCpu, baselineLabel: 'node -e 0, CPU time', ratio: over, ratioLabel: `+${over.toFixed(0)} ms` };
    };
    return {
      notes: [
        `${runs} runs of each after 3 warm-ups. \`node -e 0\` is the least any Node.js CLI costs on this machine. Every node process (handoff and \`node -e 0\`) runs with the same small CommonJS exit hook (\`--require\`) that records its CPU time.`,
        'CPU-time rows count the user and system time of the node process itself (not of the commands it starts), which other work on a shared machine inflates far less than wall time.',
        `The one-command project runs \`${COMMAND}\` as a \`commands:\` task; \`sh -c '${COMMAND}'\` alone took ${alone.median.toFixed(1)} ms (started by the same harness), which is part of what \`run local\` does.`,
        ...(EXTRA_CA_CERTS
          ? [`This machine sets NODE_EXTRA_CA_CERTS (${EXTRA_CA_CERTS}): every Node.js process would read and parse that CA bundle as it starts. No benchmark makes a TLS connection, so every measured process runs without it; the last row shows what it costs \`node -e 0\`.`]
          : []),
        'A rerun reads the validated project from the workspace (.handoff/validated-project.bin); "after an edit" removes that file first, so the run parses and checks project.yml as the first run after any change does.',
      ],
      rows: [
        overNode('`handoff --help`', summarizeSamples(samples.help.wallMs), HELP_OVER_NODE_MS),
        overNode('`run local`, one-command project', summarizeSamples(samples.runLocal.wallMs), RUN_OVER_NODE_MS),
        overNode('same, first run after an edit of project.yml (reference)', summarizeSamples(samples.firstRun.wallMs)),
        // Where the overhead goes: loading the run code and the project without running anything.
        overNode('`run local --dry-run`, same project (reference)', summarizeSamples(samples.dryRun.wallMs)),
        cpuOverNode('CPU time: `handoff --help` (reference)', 'help'),
        cpuOverNode('CPU time: `run local`, one-command project (reference)', 'runLocal'),
        cpuOverNode('CPU time: same, first run after an edit (reference)', 'firstRun'),
        overNode('`handoff --help` without the code cache of the bundle (reference, HANDOFF_CODE_CACHE=off)', summarizeSamples(samples.helpNoCodeCache.wallMs)),
        overNode('`run local` without the code cache of the bundle (reference)', summarizeSamples(samples.runLocalNoCodeCache.wallMs)),
        cpuOverNode('CPU time: `run local` without the code cache (reference)', 'runLocalNoCodeCache'),
        ...(samples.nodeWithCaCerts
          ? [overNode(`\`node -e 0\` with this machine's NODE_EXTRA_CA_CERTS (reference; every other process runs without it)`, summarizeSamples(samples.nodeWithCaCerts.wallMs))]
          : []),
      ],
    };
  },
};
