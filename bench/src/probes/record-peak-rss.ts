// Loaded with `node --import` before handoff: writes the process's peak RSS (VmHWM, kB) to a file as it exits.
import fs from 'node:fs';

const target = process.env.HANDOFF_BENCH_PEAK_RSS_FILE;
if (target) {
  // Children (sh, tee, the commands) inherit the variable but never load this hook: they are not node processes.
  process.on('exit', () => {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    fs.writeFileSync(target, match ? match[1] : '0');
  });
}
