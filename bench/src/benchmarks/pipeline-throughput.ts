// Pipeline throughput: `run local` of producer | cat | consumer moving 2 GiB, against the same line in `sh -c`.
import type { Benchmark } from '../benchmark.js';
import { measureThroughput, throughputRuns } from './measure-throughput.js';

const BYTES = 2 * 1024 ** 3;
const PRODUCER = `head -c ${BYTES} /dev/zero`;
// dd reports its own clock and rate on stderr; bs=1M makes it read whatever the pipe holds in few calls.
const CONSUMER = 'dd of=/dev/null bs=1M';

const projectYml = `version: 0.3
tasks:
  - name: throughput
    pipeline:
      - command: head
        args: -c ${BYTES} /dev/zero
      - command: cat
      - command: dd
        args: of=/dev/null bs=1M
`;

export const pipelineThroughput: Benchmark = {
  name: 'pipeline',
  title: 'Pipeline throughput',
  async run(ctx) {
    const baselineScript = `${PRODUCER} | cat | ${CONSUMER}`;
    const rows = await measureThroughput(ctx, {
      name: 'pipeline',
      bytes: BYTES,
      projectYml,
      consumerLogs: ['throughput_stderr.log'],
      shell: '/bin/sh',
      baselineScript,
      baselineLabel: `sh -c '${baselineScript}'`,
      minRatio: 0.95,
    });
    return {
      notes: [`${BYTES} bytes (2 GiB) per run from /dev/zero; ${throughputRuns(ctx)} runs after a warm-up, handoff and sh alternating.`],
      rows,
    };
  },
};
