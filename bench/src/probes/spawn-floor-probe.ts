// The floor of a Node.js orchestrator running one command per line, in two designs, with nothing else (no logs, no
// templates, no events). Usage: node spawn-floor-probe.js <lines> <parallel> <spawn|helper|launcher> [handoff-launch log-dir]
// - spawn: child_process.spawn of `/bin/sh -c '/bin/true <n>'` per line, as handoff does (own process group);
// - helper: one long-lived /bin/sh per worker, fed one command line at a time on its stdin, which forks the command
//   from its own small process and answers with the exit status: what handoff could do instead;
// - launcher <handoff-launch> <log-dir>: handoff's own foreach launcher (`handoff-launch --worker`), one per worker, sent
//   all of its lines at once with each line's two logs as handoff names them, in a folder kept between runs as a
//   workspace is: the launcher's cost with no Node.js work between lines.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';

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

/**
 * One handoff-launch worker given `lineNumbers` up front, each as the request handoff sends for a foreach line's
 * plain command (`d` without a shell, `o` and `e` its stdout and stderr logs, `c` only if the line before ended well);
 * resolves when the worker has reported every line done.
 */
function runOnLauncher(launcher: string, lineNumbers: number[], logDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(launcher, ['--worker', '--control=3'], { stdio: ['ignore', 'inherit', 'inherit', 'pipe'] });
    const control = child.stdio[3] as Readable & Writable;
    const requests = lineNumbers.map((n) => {
      const fields = [path.join(logDir, `touch_${n}_stdout.log`), path.join(logDir, `touch_${n}_stderr.log`), '/bin/true', String(n)];
      const payload = Buffer.from(fields.map((f) => `${f}\0`).join(''));
      return Buffer.concat([Buffer.from(`run ${n} doec 2 0 ${payload.length}\n`), payload]);
    });
    let pending = Buffer.alloc(0);
    let done = 0;
    control.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const nl = pending.indexOf(10);
        if (nl < 0) break;
        const [word, , rest] = pending.subarray(0, nl).toString().split(' ');
        // An `err` report is followed by that many bytes of the command's stderr.
        const skip = word === 'err' ? Number(rest) : 0;
        if (pending.length < nl + 1 + skip) break;
        pending = pending.subarray(nl + 1 + skip);
        if (word === 'done' && ++done === lineNumbers.length) control.end();
        if (word === 'skipped' || word === 'start-error') reject(new Error(`the launcher reported ${word}`));
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => (done === lineNumbers.length ? resolve() : reject(new Error(`the launcher exited (${code}) after ${done} lines`))));
    control.write(Buffer.concat(requests));
  });
}

async function main(): Promise<void> {
  const lines = Number(process.argv[2]);
  const parallel = Number(process.argv[3] ?? '1');
  const mode = process.argv[4] ?? 'spawn';
  if (mode === 'launcher') {
    // The logs go to a folder kept between runs, as a workspace's artifacts are: a rerun replaces each line's files.
    const logDir = process.argv[6];
    fs.mkdirSync(logDir, { recursive: true });
    // Lines dealt out in turn, as a foreach's workers take them.
    const share = (w: number) => Array.from({ length: lines }, (_, i) => i + 1).filter((n) => n % parallel === w);
    await Promise.all(Array.from({ length: parallel }, (_, w) => runOnLauncher(process.argv[5], share(w), logDir)));
    return;
  }
  let next = 1;
  const worker = async (): Promise<void> => {
    const runner: LineRunner = mode === 'helper' ? startHelper() : { run: spawnLine, close: () => {} };
    while (next <= lines) await runner.run(next++);
    runner.close();
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

await main();
