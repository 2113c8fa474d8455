// Foreach overhead: 1,000 lines, one trivial external command per line, against a shell `while read` loop.
import path from 'node:path';
import type { Benchmark, ResultRow } from '../benchmark.js';
import { runProcessOk } from '../run-process.js';
import { sampleTrials } from '../sample-trials.js';
import { summarizeSamples, type Summary } from '../summarize-samples.js';
import { parseChildrenCpuMs, TREE_CPU_PREFIX } from '../tree-cpu.js';
import { writeProject } from '../write-project.js';

const LINES = 1000;
// An external program, not a shell builtin: the baseline must start a process per line as handoff does, or it would
// compare process starts with function calls.
const COMMAND = '/bin/true';

function projectYml(parallel: number): string {
  return `version: 0.3
tasks:
  - name: lines
    pipeline:
      - command: seq
        args: 1 ${LINES}
      - foreach:
          - name: touch
            commands:
              - command: ${COMMAND}
                args: "{{ _line }}"
        parallel: ${parallel}
`;
}

export const foreachOverhead: Benchmark = {
  name: 'foreach',
  title: 'Foreach overhead',
  async run(ctx) {
    const sequential = writeProject(ctx.tmpDir, 'foreach-1', projectYml(1));
    const parallel = writeProject(ctx.tmpDir, 'foreach-4', projectYml(4));
    const baselineScript = `seq 1 ${LINES} | while read l; do ${COMMAND} "$l"; done`;
    // The same lines in four loops at once, a quarter each (loops reading one pipe would split lines between them):
    // what the machine itself gives four processes started side by side, the ceiling of any parallel: 4.
    const quarter = LINES / 4;
    const parallelScript = `for k in 0 1 2 3; do seq $((k * ${quarter} + 1)) $(((k + 1) * ${quarter})) | while read l; do ${COMMAND} "$l"; done & done; wait`;
    const floor = path.join(ctx.probesDir, 'spawn-floor-probe.js');
    const launcher = path.join(ctx.repoRoot, 'dist', 'handoff-launch');
    const launcherLogs = path.join(ctx.tmpDir, 'launcher-floor-logs');
    const wall = async (run: Promise<{ wallMs: number; cpuMs?: number }>): Promise<Record<string, number>> => {
      const done = await run;
      return done.cpuMs === undefined ? { wallMs: done.wallMs } : { wallMs: done.wallMs, cpuMs: done.cpuMs };
    };
    // With its own CPU time (the exit hook): one at a time, handoff's work for a line and the line's command overlap, so
    // that CPU time is the least a run's wall time can be, whatever the commands cost.
    const local = (p: { projectDir: string; workspaceDir: string }): Promise<{ wallMs: number; cpuMs?: number }> =>
      ctx.handoff.run(['run', 'local', '-p', p.projectDir, '-w', p.workspaceDir], { cpu: true });
    // The CPU time of every process a variant runs (its commands, the loop's shell or handoff's node and launchers),
    // read with the shell's `times` in runs of their own: on two cores, what makes one line follow another is CPU.
    const treeCpu = async (run: Promise<{ stdout: string }>): Promise<Record<string, number>> => ({ treeCpuMs: parseChildrenCpuMs((await run).stdout) });
    const shellTree = (what: string, script: string) =>
      treeCpu(runProcessOk(what, TREE_CPU_PREFIX[0], [...TREE_CPU_PREFIX.slice(1), '/bin/sh', '-c', script], { captureStdout: true }));
    const localTree = (p: { projectDir: string; workspaceDir: string }) =>
      treeCpu(ctx.handoff.run(['run', 'local', '-p', p.projectDir, '-w', p.workspaceDir], { prefix: TREE_CPU_PREFIX, captureStdout: true }));
    const samples = await sampleTrials(
      {
        baseline: () => wall(runProcessOk('while read baseline', '/bin/sh', ['-c', baselineScript])),
        shell4: () => wall(runProcessOk('four while read loops', '/bin/sh', ['-c', parallelScript])),
        handoff1: () => wall(local(sequential)),
        handoff4: () => wall(local(parallel)),
        floor1: () => wall(runProcessOk('spawn floor', process.execPath, [floor, String(LINES), '1', 'spawn'])),
        floor4: () => wall(runProcessOk('spawn floor', process.execPath, [floor, String(LINES), '4', 'spawn'])),
        helper1: () => wall(runProcessOk('helper floor', process.execPath, [floor, String(LINES), '1', 'helper'])),
        helper4: () => wall(runProcessOk('helper floor', process.execPath, [floor, String(LINES), '4', 'helper'])),
        launcher1: () => wall(runProcessOk('launcher floor', process.execPath, [floor, String(LINES), '1', 'launcher', launcher, launcherLogs])),
        launcher4: () => wall(runProcessOk('launcher floor', process.execPath, [floor, String(LINES), '4', 'launcher', launcher, launcherLogs])),
        baselineTree: () => shellTree('while read baseline', baselineScript),
        shell4Tree: () => shellTree('four while read loops', parallelScript),
        handoff1Tree: () => localTree(sequential),
        handoff4Tree: () => localTree(parallel),
      },
      // Each round runs fourteen variants of 1,000 processes; three rounds keep the whole bench near its 12 minutes.
      { runs: Math.min(ctx.runs, 3), progress: ctx.progress },
    );
    const baseline = summarizeSamples(samples.baseline.wallMs);
    const row = (measure: string, handoff: Summary, target?: { text: string; max: number }): ResultRow => {
      const ratio = handoff.median / baseline.median;
      return {
        measure,
        unit: 'ms',
        handoff,
        baseline,
        baselineLabel: `sh -c '${baselineScript}'`,
        ratio,
        ratioLabel: `${ratio.toFixed(2)} × the time`,
        ...(target ? { target: target.text, met: ratio <= target.max } : {}),
      };
    };
    const h1 = summarizeSamples(samples.handoff1.wallMs);
    const h4 = summarizeSamples(samples.handoff4.wallMs);
    const f1 = summarizeSamples(samples.floor1.wallMs);
    const f4 = summarizeSamples(samples.floor4.wallMs);
    const s1 = summarizeSamples(samples.helper1.wallMs);
    const s4 = summarizeSamples(samples.helper4.wallMs);
    const perLine = (s: Summary): string => `${(s.median / LINES).toFixed(2)} ms`;
    const shell4 = summarizeSamples(samples.shell4.wallMs);
    const l1 = summarizeSamples(samples.launcher1.wallMs);
    const l4 = summarizeSamples(samples.launcher4.wallMs);
    const cpu1 = summarizeSamples(samples.handoff1.cpuMs);
    const cpu4 = summarizeSamples(samples.handoff4.cpuMs);
    const tree = {
      baseline: summarizeSamples(samples.baselineTree.treeCpuMs),
      shell4: summarizeSamples(samples.shell4Tree.treeCpuMs),
      handoff1: summarizeSamples(samples.handoff1Tree.treeCpuMs),
      handoff4: summarizeSamples(samples.handoff4Tree.treeCpuMs),
    };
    const treeRow = (measure: string, handoff: Summary, baseline: Summary, baselineLabel: string): ResultRow => ({
      measure,
      unit: 'ms',
      handoff,
      baseline,
      baselineLabel,
      ratio: handoff.median / baseline.median,
      ratioLabel: `${(handoff.median / baseline.median).toFixed(2)} × the CPU`,
    });
    return {
      notes: [
        `${Math.min(ctx.runs, 3)} runs after a warm-up. ${LINES} lines from \`seq\`; each runs \`${COMMAND} {{ _line }}\` (handoff: run by its foreach worker without a shell, as a plain command is, with its own stdout/stderr logs).`,
        `Per line: baseline ${perLine(baseline)}, handoff ${perLine(h1)} one at a time and ${perLine(h4)} with parallel: 4; ` +
          `a bare Node.js spawn loop ${perLine(f1)} one at a time and ${perLine(f4)} four at once; ` +
          `Node.js with sh helpers ${perLine(s1)} one at a time and ${perLine(s4)} four at once.`,
        `handoff's own CPU time (user + system of the handoff process, not its commands'), start-up included: ${perLine(cpu1)} per line one at a time, ${perLine(cpu4)} with parallel: 4. ` +
          'One at a time the worker runs a line\'s command while handoff handles the line before and sends the next, so handoff\'s own CPU time is the least the run can take: a ratio of it to the loop above the target means the target cannot be met by the commands\' side.',
        `The process-tree CPU rows are user + system time of every process of a run, commands included (the shell's \`times\` after it, in runs of their own): ` +
          `the loop ${perLine(tree.baseline)} per line, handoff ${perLine(tree.handoff1)} one at a time (its own node process ${perLine(cpu1)} of it, start-up included) and ${perLine(tree.handoff4)} with parallel: 4. ` +
          'On two cores a run takes at least half its tree\'s CPU time, while the loop, one process after another, takes about all of its own: ' +
          'a ratio above 2 × the CPU is more than two cores can hide, and below it the CPU handoff spends beside each command still slows the command (docs/benchmarks.md, "Fourteenth round").',
        `The shell's own parallel row runs the same ${LINES} lines as four \`while read\` loops at once, ${quarter} lines each (\`sh -c '${parallelScript}'\`): ` +
          `${(shell4.median / baseline.median).toFixed(2)} × the one loop's time, so four processes started side by side here take that share of the time one after another takes, whoever starts them; ` +
          `handoff with parallel: 4 takes ${(h4.median / shell4.median).toFixed(2)} × the four loops' time.`,
        `The "launcher alone" rows are handoff's own foreach launcher (dist/handoff-launch --worker, one per worker) sent every line up front by the probe, each line with its two logs as handoff names them, in a folder kept between runs as the workspace is: ` +
          `what the launcher costs with no Node.js work between lines (${perLine(l1)} per line one at a time, the probe's own start of about one \`node -e 0\` included); handoff one at a time takes ${(h1.median / l1.median).toFixed(2)} × that.`,
        'The "Node.js floor" rows are not handoff: bench/src/probes/spawn-floor-probe.ts only spawns the same command per line with child_process.spawn, the least a Node.js orchestrator that spawns per line pays.',
        'The "sh helper" rows are not handoff either: the same probe feeding each line\'s command to one long-lived /bin/sh per worker, which forks it from its own small process (a design sketch for handoff\'s foreach).',
      ],
      rows: [
        // Issue #14's targets.
        row('1,000 lines, one at a time', h1, { text: '≤ 1.3 × baseline', max: 1.3 }),
        row('1,000 lines, parallel: 4', h4, { text: '≤ 0.6 × baseline (faster than the loop)', max: 0.6 }),
        row("shell's own parallel: the same lines as four loops at once (reference)", shell4),
        row("handoff's launcher alone, all lines sent at once, one at a time (reference)", l1),
        row("handoff's launchers alone, all lines sent at once, 4 at once (reference)", l4),
        row("handoff's own CPU time, one at a time (reference)", cpu1),
        row("handoff's own CPU time, parallel: 4 (reference)", cpu4),
        treeRow('CPU time of the whole process tree, one at a time (reference)', tree.handoff1, tree.baseline, 'the loop\'s whole tree (sh, seq, 1,000 × /bin/true)'),
        treeRow('CPU time of the whole process tree, parallel: 4 (reference)', tree.handoff4, tree.shell4, "the four loops' whole tree"),
        row('Node.js floor: bare spawn loop, one at a time', f1),
        row('Node.js floor: bare spawn loop, 4 at once', f4),
        row('design sketch: Node.js + long-lived sh helper, one at a time', s1),
        row('design sketch: Node.js + long-lived sh helpers, 4 at once', s4),
      ],
    };
  },
};
