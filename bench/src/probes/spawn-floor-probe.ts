// The floor of a Node.js orchestrator running one command per line, in two designs, with nothing else (no logs, no
// templates, no events). Usage: node spawn-floor-probe.js <lines> <parallel> <spawn|helper>
// - spawn: child_process.spawn of `/bin/sh -c '/bin/true <n>'` per line, as handoff does (own process group);
// - helper: one long-lived /bin/sh per worker, fed one command line at a time on its stdin, which forks the command
//   from its own small process and answers with the exit status: what handoff could do instead.
import { spawn } from 'node:child_process';

function spawnLine(n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', `/bin/true ${n}`], { stdio: 'ignore', detached: true });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`line ${n} exited with ${code}`))));
  });
}

interface LineRunner {
  run(n: number): Promise<void>;
  close(): void;
}

/** A /bin/sh that runs each line written to it and prints the exit status; one command at a time. */
function startHelper(): LineRunner {
  const sh = spawn('/bin/sh', [], { stdio: ['pipe', 'pipe', 'inherit'] });
  let waiting: ((status: string) => void) | undefined;
  let buffered = '';
  sh.stdout.setEncoding('utf8');
  sh.stdout.on('data', (text: string) => {
    buffered += text;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const status = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const done = waiting;
      waiting = undefined;
      done?.(status);
    }
  });
  return {
    run: (n) =>
      new Promise((resolve, reject) => {
        waiting = (status) => (status === '0' ? resolve() : reject(new Error(`line ${n} exited with ${status}`)));
        sh.stdin.write(`/bin/true ${n} </dev/null >/dev/null 2>&1; echo $?\n`);
      }),
    // The helper's pipes keep the event loop alive until its input ends.
    close: () => sh.stdin.end(),
  };
}

async function main(): Promise<void> {
  const lines = Number(process.argv[2]);
  const parallel = Number(process.argv[3] ?? '1');
  const mode = process.argv[4] ?? 'spawn';
  let next = 1;
  const worker = async (): Promise<void> => {
    const runner: LineRunner = mode === 'helper' ? startHelper() : { run: spawnLine, close: () => {} };
    while (next <= lines) await runner.run(next++);
    runner.close();
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

await main();
