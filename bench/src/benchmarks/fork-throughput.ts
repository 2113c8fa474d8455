// Fork throughput: a fork to two consumers moving 1 GiB, against `producer | tee >(consumer1) | consumer2` in bash.
import type { Benchmark } from '../benchmark.js';
import { measureThroughput, throughputRuns } from './measure-throughput.js';

const BYTES = 1024 ** 3;
const PRODUCER = `head -c ${BYTES} /dev/zero`;
const CONSUMER = 'dd of=/dev/null bs=1M';

const projectYml = `version: 0.3
tasks:
  - name: fork_throughput
    pipeline:
      - command: head
        args: -c ${BYTES} /dev/zero
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

export const forkThroughput: Benchmark = {
  name: 'fork',
  title: 'Fork throughput',
  async run(ctx) {
    // The process substitution's dd shares bash's stderr, so the harness waits for it too before the run ends.
    const baselineScript = `${PRODUCER} | tee >(${CONSUMER}) | ${CONSUMER}`;
    const rows = await measureThroughput(ctx, {
      name: 'fork',
      bytes: BYTES,
      projectYml,
      consumerTasks: ['consumer1', 'consumer2'],
      shell: '/bin/bash',
      baselineScript,
      baselineLabel: `bash -c '${baselineScript}'`,
      minRatio: 0.8,
    });
    return {
      notes: [
        `${BYTES} bytes (1 GiB) per run copied to two consumers; handoff copies with \`tee -p\`, like the baseline's tee.`,
        `${throughputRuns(ctx)} runs after a warm-up, handoff and bash alternating.`,
        'Throughput counts the bytes once (the producer\'s output); the slowest consumer\'s clock decides.',
      ],
      rows,
    };
  },
};
