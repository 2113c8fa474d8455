// Loaded with `node --require` before handoff: writes the process's peak RSS (VmHWM, kB) and its own CPU time (user +
// system, ms; children not included) to a file as JSON as it exits.
import fs from 'node:fs';

const target = process.env.HANDOFF_BENCH_PEAK_RSS_FILE;
if (target) {
  // Children (sh, tee, the commands) inherit the variable but never load this hook: they are not node processes.
  process.on('exit', () => {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    const cpu = process.cpuUsage();
    fs.writeFileSync(target, JSON.stringify({ peakRssKb: match ? Number(match[1]) : 0, cpuMs: (cpu.user + cpu.system) / 1000 }));
  });
}
