// The web UI under load: an event-stream client that stops reading while a run floods its log, and a burst of
// "Run now" requests. Memory stays bounded (measured in /proc), one run starts, every other request is told who holds it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { cliPath, makeProject, newMarker, processesWithMarker, sleep, waitFor } from '../helpers/cli.js';
import { authHeader, callUi, eventsPath, memoryOf, startUi, stopUis, type UiProcess } from '../helpers/ui-process.js';

afterAll(stopUis);

/** Opens the event stream on a raw socket and stops reading once the answer's head is in: a client that never reads. */
function openStalledEventStream(ui: UiProcess): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(ui.port, '127.0.0.1', () => {
      socket.write(`GET ${eventsPath(ui)} HTTP/1.1\r\nHost: 127.0.0.1:${ui.port}\r\n\r\n`);
    });
    socket.once('data', (head: Buffer) => {
      socket.pause();
      if (!head.toString().startsWith('HTTP/1.1 200')) reject(new Error(`event stream refused: ${head.toString().split('\r\n')[0]}`));
      else resolve(socket);
    });
    socket.on('error', reject);
  });
}

/** `sh files/noisy.sh BYTES` writes BYTES of 200-byte lines to stderr as fast as it can. */
const NOISY = `#!/bin/sh
head -c "$1" /dev/zero | tr '\\0' x | fold -w 199 >&2
`;

describe('event stream backpressure', () => {
  it('a client that stops reading while a run writes 200 MB to stderr does not grow the server: its events are dropped and it is told to re-read', async () => {
    const bytes = 200 * 1000 * 1000;
    const { projectDir, workspaceDir } = makeProject(`tasks:\n- name: noisy\n  commands:\n  - command: sh\n    args: files/noisy.sh ${bytes}\n`, { 'files/noisy.sh': NOISY });
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir]);
    const stalled = await openStalledEventStream(ui);
    // Resting memory, after the first requests have been served.
    expect((await callUi(ui, '/api/runs')).status).toBe(200);
    const before = memoryOf(ui.child.pid!).rssKb;

    // The run writes its console log through handoff; its output to the terminal is thrown away. The console's head
    // limit is lifted so the whole 200 MB reaches console.log (by default it would show 1 MiB and the tail).
    const run = spawn(process.execPath, [cliPath, 'run', 'local', '-p', projectDir, '-w', workspaceDir], {
      stdio: 'ignore',
      env: { ...process.env, HANDOFF_CONSOLE_STDERR_HEAD: 'unlimited' },
    });
    const ran = new Promise<number | null>((resolve) => run.on('exit', resolve));
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, memoryOf(ui.child.pid!).rssKb)), 50);
    expect(await ran).toBe(0);
    // The server reads a finished run's log a little longer (its last lines land after the record says it ended).
    const consoleLog = fs.readdirSync(path.join(workspaceDir, 'runs')).find((f) => !f.endsWith('.json') && !f.startsWith('.'))!;
    const size = fs.statSync(path.join(workspaceDir, 'runs', consoleLog, 'console.log')).size;
    expect(size).toBeGreaterThan(bytes);
    await sleep(4000);
    clearInterval(sampler);
    const grewMb = (Math.max(peak, memoryOf(ui.child.pid!).peakKb) - before) / 1024;
    process.stderr.write(`ui: ${(size / 1e6).toFixed(0)} MB of console log with a stalled event-stream client: the server grew by ${grewMb.toFixed(0)} MB\n`);
    expect(grewMb).toBeLessThan(80);

    // Reading again, the client gets a resync event (re-read runs and logs by offset), then live events as before.
    let received = '';
    stalled.on('data', (d: Buffer) => (received += d.toString()));
    stalled.resume();
    await waitFor(() => received.includes('event: resync'));
    expect(received.length).toBeLessThan(8 * 1024 * 1024);
    stalled.destroy();
  });
});

describe('many event streams', () => {
  it('the 65th open event stream is refused with 503 (each holds up to 1 MiB for a slow reader), and a closed one frees its place', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: t\n  commands:\n  - command: "true"\n');
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir, '--read-only']);
    const open: net.Socket[] = [];
    try {
      for (let i = 0; i < 64; i++) open.push(await openStalledEventStream(ui));
      const refused = await callUi(ui, '/api/events');
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { message: string }).message).toContain('too many event streams');
      open.pop()!.destroy();
      // The server sees the close a moment later.
      await sleep(200);
      open.push(await openStalledEventStream(ui));
    } finally {
      for (const socket of open) socket.destroy();
    }
  });
});

const GATED_TAP = `#!/bin/sh
echo "INFO tap started" >&2
while [ ! -f artifacts/go ]; do sleep 0.05; done
echo '{"type": "STATE", "value": {"bookmarks": {"things": 1}}}'
`;

describe('Run now under a burst', () => {
  function gatedProject(): { projectDir: string; workspaceDir: string } {
    const p = makeProject('tasks:\n- name: things\n  pipeline:\n  - command: sh files/tap.sh\n  - command: cat\n', { 'files/tap.sh': GATED_TAP });
    fs.mkdirSync(path.join(p.workspaceDir, 'artifacts'), { recursive: true });
    return p;
  }

  /** Samples the process table while `work` runs: every `handoff run local` that the server started. */
  async function watchRunProcesses<T>(ui: UiProcess, marker: string, work: () => Promise<T>): Promise<{ result: T; pids: Set<number> }> {
    const pids = new Set<number>();
    let sampling = true;
    const sample = async (): Promise<void> => {
      while (sampling) {
        for (const pid of processesWithMarker(marker)) {
          try {
            const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
            // Started by the server itself: a run's own children show its command line between fork and exec.
            const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
            const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
            if (parent === ui.child.pid && argv.includes('run') && argv.includes('local')) pids.add(pid);
          } catch {
            // ended meanwhile
          }
        }
        await sleep(5);
      }
    };
    const sampler = sample();
    const result = await work();
    // A refused start would still be on its way out.
    await sleep(1500);
    sampling = false;
    await sampler;
    return { result, pids };
  }

  it('20 concurrent POSTs start one run: one 201, nineteen 409 naming it, and one `handoff run local` process', async () => {
    const { projectDir, workspaceDir } = gatedProject();
    const marker = newMarker();
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir], { HANDOFF_TEST_MARKER: marker });
    const gate = path.join(workspaceDir, 'artifacts', 'go');
    // Whatever the outcome, the gated runs are let go at the end: none may wait on after the test.
    onTestFinished(() => fs.writeFileSync(gate, ''));
    const { result: answers, pids } = await watchRunProcesses(ui, marker, () =>
      Promise.all(
        Array.from({ length: 20 }, async () => {
          const response = await callUi(ui, '/api/runs', { method: 'POST' });
          return { status: response.status, body: (await response.json()) as { runId?: string; message: string } };
        }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, ...Array(19).fill(409)]);
    const runId = answers.find((a) => a.status === 201)!.body.runId!;
    for (const refused of answers.filter((a) => a.status === 409)) {
      expect(refused.body.runId).toBe(runId);
      expect(refused.body.message).toContain(runId);
    }
    expect(pids.size).toBe(1);
    expect(fs.readdirSync(path.join(workspaceDir, 'runs')).filter((f) => f.endsWith('.json'))).toEqual([`${runId}.json`]);

    // Once the run ends, the next "Run now" starts one again.
    fs.writeFileSync(gate, '');
    await waitFor(() => JSON.parse(fs.readFileSync(path.join(workspaceDir, 'runs', `${runId}.json`), 'utf8')).status === 'succeeded');
    // The record says succeeded a moment before its handoff exits (and lets the workspace go): until then a run is on.
    await waitFor(() => processesWithMarker(marker).filter((pid) => pid !== ui.child.pid).length === 0);
    const again = await callUi(ui, '/api/runs', { method: 'POST' });
    expect(again.status).toBe(201);
    await waitFor(() => processesWithMarker(marker).filter((pid) => pid !== ui.child.pid).length === 0);
  });

  it('a workspace locked by another handoff (no run record) is refused with 409 naming its pid and command, and nothing is started', async () => {
    const { projectDir, workspaceDir } = gatedProject();
    // A live holder: this test process, as `handoff workspace install` would hold it while installing venvs.
    const holder = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), command: `workspace install -p ${projectDir}` };
    fs.writeFileSync(path.join(workspaceDir, '.handoff.lock'), JSON.stringify(holder));
    const marker = newMarker();
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir], { HANDOFF_TEST_MARKER: marker });
    const { result: answer, pids } = await watchRunProcesses(ui, marker, async () => {
      const response = await callUi(ui, '/api/runs', { method: 'POST', headers: authHeader(ui.token) });
      return { status: response.status, body: (await response.json()) as { message: string } };
    });
    expect(answer.status).toBe(409);
    expect(answer.body.message).toContain(`pid ${process.pid}`);
    expect(answer.body.message).toContain('workspace install');
    expect(pids.size).toBe(0);
    expect(fs.existsSync(path.join(workspaceDir, 'runs'))).toBe(false);
  });
});
